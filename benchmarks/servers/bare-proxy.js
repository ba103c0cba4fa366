// The limit for any Node proxy: a bare undici pass-through with no policy, auth, metering or logging.
// Usage: node bare-proxy.js UPSTREAM_ORIGIN PORT
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const [upstream, port] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 256, pipelining: 1 });
// Its event-loop delay, measured as the gateway measures its own (lateness beyond the 10 ms sampling interval).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const server = createServer(async (req, res) => {
  if (req.url === '/loop-delay-p99-ms') {
    res.end(String(loopDelay.count > 0 ? Math.max(0, loopDelay.percentile(99) / 1e6 - 10) : 0));
    loopDelay.reset();
    return;
  }
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const upstreamRes = await pool.request({
      method: req.method,
      path: req.url,
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks),
    });
    res.writeHead(upstreamRes.statusCode, {
      'content-type': upstreamRes.headers['content-type'] ?? 'application/json',
    });
    await pipeline(upstreamRes.body, res);
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => pool.close().then(() => process.exit(0))));
