import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { childEnv, tracked } from './hermetic.js';

export interface Started {
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a server process (a node script and its arguments) and waits for the line that tells its port —
 * `listening 1234` or fastify's `Server listening at …` — instead of sleeping.
 */
export async function startProcess(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Started> {
  const child = tracked(
    spawn(process.execPath, args, {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'inherit'],
      ...(cwd ? { cwd } : {}),
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)|Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(Number(m[1] ?? m[2]));
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)));
  });
  return {
    port,
    pid: child.pid as number,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Resident set size of a process, MiB (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
