// The rig's placement for one target, for the probes: the rig's mock on CPU 0 (with the load generator, the calling
// process), and the target pinned to CPU 1: a Switchyard build (`dir`) or, with `bare`, the rig's bare pass-through.
// Needs the rig's node_modules (../shared/bench/peer-bench, or RIG=): run the rig once first. Ports 18011 and 18014.
import { execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const RIG = process.env.RIG ?? new URL('../../../shared/bench/peer-bench/', import.meta.url).pathname;
export const autocannon = createRequire(`${RIG}/package.json`)('autocannon');

/** The rig's request: a 400-byte prompt, streamed with usage or not. */
export const bodyOf = (mode) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    temperature: 0.2,
    max_tokens: 256,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Summarise: ' + 'lorem ipsum '.repeat(34).slice(0, 400) },
    ],
    ...(mode === 'stream' ? { stream: true, stream_options: { include_usage: true } } : {}),
  });

/** Fields 14 and 15 of a /proc stat line (user and system ticks) and the rest, after the command's name. */
const statFields = (path) => {
  const s = fs.readFileSync(path, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
};

/**
 * Starts the mock and the target. `extraYaml` is appended to the gateway's config; `nodeArgs` go to the target's node;
 * `out` names a file for its stdout. Returns the target's pid, a load runner and readers of the target's /proc.
 */
export async function startPinned({ dir = '.', bare = false, nodeArgs = [], extraYaml = '', out } = {}) {
  const work = fs.mkdtempSync('/tmp/probe.');
  const sha = execSync("printf %s sk-bench | sha256sum | cut -d' ' -f1").toString().trim();
  fs.writeFileSync(
    `${work}/sy.yaml`,
    `server: { host: 127.0.0.1, port: 18014 }
routes:
  - { id: direct, kind: direct, base_url: "http://127.0.0.1:18011/v1", api_key: sk-upstream, clearance: confidential, models: [gpt-4o-mini] }
tenants:
  - { id: bench, api_keys: ["sha256:${sha}"] }
log: { dir: "${work}/log" }
${extraYaml}`,
  );
  const mock = spawn('taskset', ['-c', '0', 'node', `${RIG}/mock-upstream.mjs`], {
    env: { ...process.env, PORT: '18011' },
    stdio: 'ignore',
  });
  const target = bare ? [`${RIG}/bare-proxy.mjs`] : [`${dir}/bin/switchyard.js`, 'serve', '-c', `${work}/sy.yaml`];
  const gw = spawn('taskset', ['-c', '1', 'node', ...nodeArgs, ...target], {
    env: { ...process.env, PORT: '18014', UPSTREAM: 'http://127.0.0.1:18011' },
    stdio: ['ignore', out ? fs.openSync(out, 'w') : 'ignore', 'inherit'],
  });
  for (const url of ['http://127.0.0.1:18011/health', 'http://127.0.0.1:18014/health']) await waitFor(url);
  const pid = gw.pid;
  return {
    pid,
    /** An autocannon run against the target; `rate` fixes the requests a second in all. */
    load: (mode, connections, seconds, rate) =>
      autocannon({
        url: 'http://127.0.0.1:18014/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        body: bodyOf(mode),
        connections,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
      }),
    /** Minor page faults of the target so far. */
    faults: () => Number(statFields(`/proc/${pid}/stat`)[7]),
    rssMB: () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024,
    /** CPU ticks (1/100 s) of each of the target's threads, by `tid:name`. */
    threadTicks: () =>
      Object.fromEntries(
        fs.readdirSync(`/proc/${pid}/task`).map((t) => {
          const name = /\((.*)\)/.exec(fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'))[1];
          const f = statFields(`/proc/${pid}/task/${t}/stat`);
          return [`${t}:${name}`, Number(f[11]) + Number(f[12])];
        }),
      ),
    /** CPU ticks of each child process the target has now (the decision log's jobs), by pid. */
    childTicks: () => {
      const ticks = {};
      for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
        for (const child of fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) {
          try {
            const f = statFields(`/proc/${child}/stat`);
            ticks[child] = Number(f[11]) + Number(f[12]);
          } catch {
            // The job ended between the two reads.
          }
        }
      }
      return ticks;
    },
    stop: async () => {
      const exited = new Promise((r) => gw.once('exit', r));
      gw.kill();
      await exited;
      mock.kill();
    },
  };
}

async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answers at ${url}`);
}
