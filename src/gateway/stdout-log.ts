import pino from 'pino';

/** The longest a line waits before it is written. */
const FLUSH_MS = 250;
/** Lines are handed to the writer when this many characters wait (≈50 request lines), or every FLUSH_MS. */
const WRITE_CHARS = 16_384;
/** The most one write takes. */
const MAX_WRITE = 65_536;

let stdout: pino.DestinationStream | undefined;

/**
 * stdout for the gateway's log: lines gathered here and handed to sonic-boom, which writes them off the event loop,
 * ≈16 KB at a time. With a line per request, a blocking write per line cost 30 % of the throughput of one connection;
 * and sonic-boom measures the bytes of what it already holds on every write, so a line each time cost ≈2 % of the
 * gateway's CPU under load (benchmarks/RESULTS.md, issue 32). A line reaches stdout within 250 ms, and what waits is
 * written when the process exits. One per process: every app built here writes through it.
 */
export function bufferedStdout(): pino.DestinationStream {
  if (stdout) return stdout;
  let lines: string[] = [];
  let chars = 0;
  const handOver = () => {
    if (lines.length === 0) return;
    boom.write(lines.join(''));
    lines = [];
    chars = 0;
  };
  // Registered before the destination: exit handlers run in order, and pino's, which writes out what sonic-boom
  // holds, must come after this one.
  process.on('exit', handOver);
  const boom = pino.destination({ dest: 1, sync: false, maxWrite: MAX_WRITE });
  setInterval(handOver, FLUSH_MS).unref();
  stdout = {
    write(line: string) {
      lines.push(line);
      chars += line.length;
      if (chars >= WRITE_CHARS) handOver();
      return true;
    },
  };
  return stdout;
}
