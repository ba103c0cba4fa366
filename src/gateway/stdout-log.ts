import pino from 'pino';

/** The longest a line waits in the buffer before it is written. */
const FLUSH_MS = 250;
/** Lines are written when this many bytes wait (≈40 request lines a write), or every FLUSH_MS. */
const WRITE_BYTES = 16_384;
/** The most one write takes: sonic-boom wants it above WRITE_BYTES. */
const MAX_WRITE = 65_536;

let stdout: pino.DestinationStream | undefined;

/**
 * stdout for the gateway's log: buffered and written off the event loop, instead of one blocking write per
 * line. With a line per request, the blocking write cost 30 % of the throughput of one connection
 * (benchmarks/RESULTS.md, issue 32). A line reaches stdout within 250 ms, and what is buffered is written when
 * the process exits (pino's exit handler). One per process: every app built here writes through it.
 */
export function bufferedStdout(): pino.DestinationStream {
  if (stdout) return stdout;
  const boom = pino.destination({ dest: 1, sync: false, minLength: WRITE_BYTES, maxWrite: MAX_WRITE });
  let waiting = false;
  setInterval(() => {
    // A write in progress takes what is buffered with it only past WRITE_BYTES: asked again next time.
    if (!waiting || (boom as typeof boom & { writing: boolean }).writing) return;
    waiting = false;
    boom.flush();
  }, FLUSH_MS).unref();
  stdout = {
    write(line: string) {
      waiting = true;
      return boom.write(line);
    },
  };
  return stdout;
}
