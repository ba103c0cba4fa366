import { runJob, type LogJob } from './log-jobs.js';

/**
 * One decision-log job in a process of its own (`run-log-job.ts` starts it): the job as JSON in argv[2], the result
 * as JSON on stdout, a failure as one line on stderr and exit code 1. When the gateway that started it goes (its
 * end of stdin closes), so does the job: a Parquet file is written under a temporary name and renamed, so a job cut
 * short leaves its write-ahead segments for the next one.
 */
process.stdin.on('end', () => process.exit(2));
process.stdin.resume();
try {
  const result = await runJob(JSON.parse(process.argv[2] ?? '') as LogJob);
  process.stdout.write(JSON.stringify(result), () => process.exit(0));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`, () => process.exit(1));
}
