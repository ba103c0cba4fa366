import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LogJob, LogJobResult } from './log-jobs.js';

/**
 * The job's script beside this module once built; from the TypeScript sources (vitest, tsx) the built one, since a
 * child process runs JavaScript (`npm test` builds first).
 */
const jobScript = () =>
  import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/gateway/record/log-job-process.js', import.meta.url)
    : new URL('./log-job-process.js', import.meta.url);

/** A job yields the CPU to the gateway: it is background work, and a busy core serves requests first. */
const JOB_NICENESS = 10;

/**
 * Runs a decision-log job in a child process (`log-job-process.ts`): DuckDB is loaded there, for the length of the
 * job, and its memory goes back to the system when the job ends (≈60 MB of the gateway's resident set it used to
 * hold for good). It runs at a lower priority than the gateway. Its warnings are the gateway's own; a failure rejects
 * with the job's one-line reason.
 */
export function runLogJob(job: LogJob): Promise<LogJobResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(jobScript()), JSON.stringify(job)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      if (child.pid !== undefined) setPriority(child.pid, JOB_NICENESS);
    } catch {
      // Where a priority cannot be lowered (a sandbox that forbids it), the job runs at the gateway's own.
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const reason = Buffer.concat(err).toString().trim().split('\n').at(-1) || `exit ${signal ?? code}`;
        reject(new Error(`${job.kind} job: ${reason}`));
        return;
      }
      const result = JSON.parse(Buffer.concat(out).toString()) as LogJobResult;
      for (const warning of result.warnings) process.emitWarning(`decision log: ${warning}`, 'SwitchyardLogWarning');
      resolve(result);
    });
  });
}
