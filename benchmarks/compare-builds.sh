#!/usr/bin/env bash
# Several builds of Switchyard side by side on the peer rig (../shared/bench/peer-bench): the mock upstream, the
# bare undici pass-through and one gateway per build, all in ONE interleaved bench.mjs run, so every build's
# throughput is a ratio to the bare proxy measured in the same slot. Used to bisect a throughput regression.
#
#   benchmarks/compare-builds.sh REF [REF...]      # run from a checkout; REF = commit, tag, branch, or WORKTREE
#
# WORKTREE is this checkout's working tree as it is (build it first: npm run build). Any other REF is exported
# (git archive, the repository is not touched) to $BUILDS_DIR/<sha>, its dependencies installed (npm ci, or a
# symlink to node_modules installed from a byte-identical package-lock.json) and built once; later runs reuse it.
# Gateways are pinned to CPU 1 beside the bare proxy, the mock and the load generator to CPU 0 (the rig's PIN=1).
# Everything binds 127.0.0.1; every process started here is killed on exit; ports in use are refused.
#
# Env: DURATION (5) WARMUP (1) ROUNDS (3) CONNECTIONS (50; add 1 for the added p99) MODES (json,stream),
#      BUILDS_DIR (/tmp/sy-builds), RIG (../shared/bench/peer-bench from the checkout), BASE_PORT (18010),
#      PIN (1; 0 runs everything unpinned).
set -euo pipefail

usage() { echo "usage: $0 REF [REF...]   (REF: commit, tag, branch or WORKTREE)" >&2; exit 2; }
[ $# -ge 1 ] || usage
root=$(git rev-parse --show-toplevel) || { echo "run from a Switchyard checkout" >&2; exit 2; }
RIG=${RIG:-$root/../shared/bench/peer-bench}
[ -f "$RIG/bench.mjs" ] || { echo "no peer rig at $RIG (set RIG=)" >&2; exit 2; }
RIG=$(cd "$RIG" && pwd)
BUILDS_DIR=${BUILDS_DIR:-/tmp/sy-builds}
export DURATION=${DURATION:-5} WARMUP=${WARMUP:-1} ROUNDS=${ROUNDS:-3} CONNECTIONS=${CONNECTIONS:-50} MODES=${MODES:-json,stream}
MOCK_PORT=18001 BARE_PORT=18002 BASE_PORT=${BASE_PORT:-18010}
PIN=${PIN:-1}
mkdir -p "$BUILDS_DIR"
work=$(mktemp -d "${TMPDIR:-/tmp}/sy-compare.XXXXXX")

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
refuse_port() { if port_open "$1"; then echo "port $1 already in use; refusing to bench someone else's server" >&2; exit 1; fi; }

# ---- resolve the refs: a name for the table and a checkout directory per build ----
NAMES=() DIRS=() SHAS=()
for ref in "$@"; do
  if [ "$ref" = WORKTREE ]; then
    [ -f "$root/dist/cli/main.js" ] || { echo "WORKTREE: $root/dist is missing; run npm run build first" >&2; exit 2; }
    NAMES+=(WORKTREE) DIRS+=("$root") SHAS+=(-)
    continue
  fi
  sha=$(git rev-parse --verify --quiet "$ref^{commit}") || { echo "unknown ref: $ref" >&2; exit 2; }
  # A (prefix of a) commit id is named by its short sha; a tag or branch keeps its own name.
  if [[ $ref =~ ^[0-9a-fA-F]{4,40}$ && $sha == "${ref,,}"* ]]; then name=$(git rev-parse --short=7 "$sha"); else name=$ref; fi
  for n in "${NAMES[@]}"; do [ "$n" != "$name" ] || { echo "$name named twice" >&2; exit 2; }; done
  NAMES+=("$name") DIRS+=("$BUILDS_DIR/$sha") SHAS+=("$sha")
done
# Refuse before spending minutes on builds if the rig's or the gateways' ports are taken.
for ((i = 0; i < ${#NAMES[@]}; i++)); do refuse_port $((BASE_PORT + i)); done
refuse_port "$MOCK_PORT"; refuse_port "$BARE_PORT"

# ---- build every ref once (reused from $BUILDS_DIR when it was built before) ----
build() { # build SHA DIR
  local sha=$1 dir=$2 lock
  [ -f "$dir/.compare-builds-done" ] && { echo "build $sha: reused $dir"; return 0; }
  echo "build $sha: exporting to $dir"
  rm -rf "$dir" && mkdir -p "$dir"
  git -C "$root" archive "$sha" | tar -x -C "$dir"
  lock=$(sha256sum "$dir/package-lock.json" | cut -c1-16)
  if cmp -s "$dir/package-lock.json" "$root/package-lock.json" && [ -d "$root/node_modules" ]; then
    ln -s "$root/node_modules" "$dir/node_modules"                  # same lock as this checkout
  elif [ -d "$BUILDS_DIR/node_modules-$lock" ]; then
    ln -s "$(readlink -f "$BUILDS_DIR/node_modules-$lock")" "$dir/node_modules"  # same lock as an earlier build
  else
    echo "build $sha: npm ci (lock $lock)"
    (cd "$dir" && npm ci --no-audit --no-fund --prefer-offline) > "$dir/.npm-ci.log" 2>&1 \
      || { echo "build $sha: npm ci failed:" >&2; tail -20 "$dir/.npm-ci.log" >&2; exit 1; }
    ln -sfn "$dir/node_modules" "$BUILDS_DIR/node_modules-$lock"
  fi
  echo "build $sha: tsc"
  (cd "$dir" && npx tsc -p tsconfig.build.json) > "$dir/.tsc.log" 2>&1 \
    || { echo "build $sha: tsc failed:" >&2; tail -20 "$dir/.tsc.log" >&2; exit 1; }
  touch "$dir/.compare-builds-done"
}
for ((i = 0; i < ${#NAMES[@]}; i++)); do [ "${SHAS[$i]}" = - ] || build "${SHAS[$i]}" "${DIRS[$i]}"; done

# ---- a writable copy of the rig with its node_modules (run.sh's npm install step), kept between runs ----
rig="$BUILDS_DIR/peer-bench"
mkdir -p "$rig"
cp "$RIG"/*.mjs "$RIG"/package.json "$RIG"/package-lock.json "$rig"/
chmod -R u+w "$rig"
[ -d "$rig/node_modules/autocannon" ] && [ -d "$rig/node_modules/undici" ] \
  || (cd "$rig" && npm install --no-audit --no-fund > "$work/rig-npm.log" 2>&1) \
  || { echo "rig npm install failed:" >&2; tail -20 "$work/rig-npm.log" >&2; exit 1; }

# ---- process management (as run.sh): exactly the PIDs started here are stopped on exit ----
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 100); do # a gateway drains its requests on SIGTERM; give them 10 s, then SIGKILL
    alive=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  echo "stopped ${#PIDS[@]} process(es); logs in $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pin() { if [ "$PIN" = 1 ]; then echo "taskset -c $1"; fi; }
start() { # start NAME PORT CPU CMD... ; sets LAST_PID
  local name=$1 port=$2 cpu=$3; shift 3
  refuse_port "$port"
  $(pin "$cpu") "$@" > "$work/$name.log" 2>&1 &
  LAST_PID=$!; PIDS+=("$LAST_PID")
  for _ in $(seq 300); do
    port_open "$port" && return 0
    kill -0 "$LAST_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not come up on $port:" >&2; tail -20 "$work/$name.log" >&2; exit 1
}

start mock "$MOCK_PORT" 0 env PORT="$MOCK_PORT" node "$rig/mock-upstream.mjs"
OURS="\"mock\":$LAST_PID"    # name:pid of every process of ours, for the CPU sampler below
start bare "$BARE_PORT" 1 env PORT="$BARE_PORT" UPSTREAM="http://127.0.0.1:$MOCK_PORT" node "$rig/bare-proxy.mjs"
URL=/v1/chat/completions
TARGETS="{\"name\":\"direct\",\"url\":\"http://127.0.0.1:$MOCK_PORT$URL\"}"
TARGETS+=",{\"name\":\"bare-proxy\",\"url\":\"http://127.0.0.1:$BARE_PORT$URL\",\"pid\":$LAST_PID}"
OURS+=",\"bare-proxy\":$LAST_PID"

# One gateway per build, each with its own config (the shape of gateway-vs-bare.sh), port and log directory.
key_sha=$(printf %s sk-bench | sha256sum | cut -d' ' -f1)
for ((i = 0; i < ${#NAMES[@]}; i++)); do
  name=${NAMES[$i]} port=$((BASE_PORT + i)) gw="$work/gw-$i"
  mkdir -p "$gw"
  cat > "$gw/sy.yaml" <<YAML
server: { host: 127.0.0.1, port: $port }
routes:
  - { id: direct, kind: direct, base_url: "http://127.0.0.1:$MOCK_PORT/v1", api_key: sk-upstream, clearance: confidential, models: [gpt-4o-mini] }
tenants:
  - { id: bench, api_keys: ["sha256:$key_sha"] }
log: { dir: "$gw/log" }
YAML
  start "gw-$i" "$port" 1 node "${DIRS[$i]}/bin/switchyard.js" serve -c "$gw/sy.yaml"
  echo "gateway $name (${DIRS[$i]}) on :$port, pid $LAST_PID"
  TARGETS+=",{\"name\":\"$name\",\"url\":\"http://127.0.0.1:$port$URL\",\"headers\":{\"authorization\":\"Bearer sk-bench\"},\"pid\":$LAST_PID}"
  OURS+=",\"$name\":$LAST_PID"
done
echo "[$TARGETS]" > "$work/targets.json"

# ---- one bench.mjs run over all targets (interleaved; order reversed every other round) ----
echo "node $(node -v), $(nproc) cpus, PIN=$PIN, ${#NAMES[@]} build(s)"
echo "DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS CONNECTIONS=$CONNECTIONS MODES=$MODES"
RESULTS_DIR="$work/results" $(pin 0) node "$rig/bench.mjs" "$work/targets.json" > >(tee "$work/bench.log") 2>&1 &
bench=$!; PIDS+=("$bench")
# The machine is shared: once a second, the CPU time used on the box by processes not started here ("foreign"),
# and which of our processes was the busy one (so a disturbance can be pinned on the builds it hit).
$(pin 0) node - "$work/cpu.jsonl" "{$OURS,\"bench\":$bench}" > "$work/sampler.log" 2>&1 <<'JS' &
const fs = require('fs');
const [out, ours] = [process.argv[2], { ...JSON.parse(process.argv[3]), sampler: process.pid }];
const tick = (pid) => { try { const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); } catch { return 0; } };
const busy = () => fs.readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d/.test(l))
  .reduce((s, l) => { const f = l.split(/\s+/).map(Number); return s + f[1] + f[2] + f[3] + f[6] + f[7] + f[8]; }, 0);
let prev = { busy: busy(), pids: Object.fromEntries(Object.entries(ours).map(([n, p]) => [n, tick(p)])) };
setInterval(() => {
  const now = { busy: busy(), pids: Object.fromEntries(Object.entries(ours).map(([n, p]) => [n, tick(p)])) };
  const d = Object.fromEntries(Object.keys(ours).map((n) => [n, (now.pids[n] - prev.pids[n]) / 100]));
  const mine = Object.values(d).reduce((a, b) => a + b, 0);
  fs.appendFileSync(out, JSON.stringify({ t: Date.now(), foreign: Math.max(0, (now.busy - prev.busy) / 100 - mine), cores: d }) + '\n');
  prev = now;
}, 1000);
JS
PIDS+=("$!")
wait "$bench"  # background + wait: a TERM to this script is handled at once
sleep 0.2                # let tee print the rig's last lines
results=$(ls "$work"/results/*.json 2>/dev/null | head -1 || true)
[ -n "$results" ] || { echo "bench.mjs wrote no results (see $work/bench.log)" >&2; exit 1; }

# ---- the comparison: each build as x bare (same slot), against the first ref named and the one before it ----
echo
node - "$results" "$work/cpu.jsonl" "${NAMES[@]}" <<'JS'
const fs = require('fs');
const [file, cpuFile, ...names] = process.argv.slice(2);
const { config, runs } = JSON.parse(fs.readFileSync(file, 'utf8'));
const conns = Math.max(...config.CONNS), modes = config.MODES;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => { const a = [...xs].sort((p, q) => p - q); return a.length % 2 ? a[a.length >> 1] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2; };
const sel = (t, m, c) => runs.filter((r) => r.target === t && r.mode === m && r.conns === c);
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const warn = [];
// The bare proxy's own spread between rounds: over 25 % means the machine was disturbed during the run.
for (const m of modes) {
  const b = sel('bare-proxy', m, conns).map((r) => r.rps);
  if (!b.length) continue;
  const spread = Math.max(...b) / Math.min(...b) - 1;
  console.log(`bare-proxy ${m}/${conns}c req/s by round: ${b.map((x) => x.toFixed(0)).join(', ')} (spread ${(spread * 100).toFixed(0)} %)`);
  if (spread > 0.25) warn.push(`bare-proxy ${m}/${conns}c varied ${(spread * 100).toFixed(0)} % between rounds: the run looks disturbed`);
}
// CPU used on the box by processes not started here, per second, attributed to the target busy in that second.
const samples = fs.existsSync(cpuFile) ? fs.readFileSync(cpuFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const foreign = {};
for (const s of samples) {
  const [top, cores] = ['bare-proxy', ...names].reduce((b, n) => ((s.cores[n] ?? 0) > b[1] ? [n, s.cores[n]] : b), [null, 0.3]);
  const who = top ?? ((s.cores.mock ?? 0) > 0.3 ? 'direct' : null);
  if (who) (foreign[who] ??= []).push(s.foreign);
}
if (samples.length) {
  const all = samples.map((s) => s.foreign);
  console.log(`foreign CPU (processes not started here) during the run: mean ${f(mean(all))} cores, ${all.filter((x) => x > 0.25).length} of ${all.length} s over 0.25 cores`);
  for (const [n, xs] of Object.entries(foreign)) if (mean(xs) > 0.15)
    warn.push(`${n}: ${f(mean(xs))} cores of foreign CPU on average while it was loaded (max ${f(Math.max(...xs))}): its numbers are disturbed`);
}
const maxRss = (t) => Math.max(...runs.filter((r) => r.target === t).map((r) => r.rssMB || 0));
const bareRss = maxRss('bare-proxy');
const row = {};
for (const n of names) {
  const x = {};
  for (const m of modes) {
    const g = sel(n, m, conns).map((r) => r.xbare);
    x[m] = g.length ? { mean: mean(g), min: Math.min(...g), max: Math.max(...g) } : null;
    if (!g.length) warn.push(`${n} ${m}: no runs (failed the rig's check?)`);
    const errs = sel(n, m, conns).reduce((s, r) => s + r.errors, 0);
    if (errs) warn.push(`${n} ${m}/${conns}c: ${errs} errors`);
    if (config.CONNS.includes(1)) {
      const one = sel(n, m, 1), bare = sel('bare-proxy', m, 1);
      x[`p99${m}`] = one.length && bare.length ? mean(one.map((r) => r.p99)) - mean(bare.map((r) => r.p99)) : NaN;
    }
  }
  x.rss = maxRss(n) / bareRss;
  row[n] = x;
}
const cols = [['build', 12]];
for (const m of modes) cols.push([`${m}/${conns}c xbare [min..max]`, 26]);
if (config.CONNS.includes(1)) for (const m of modes) cols.push([`+p99 ${m}/1c`, 12]);
cols.push(['RSS xbare', 9], ['foreign', 7]);
for (const m of modes) cols.push([`${m} vs first`, 13]);
for (const m of modes) cols.push([`${m} vs prev [min..max]`, 26]);
const line = (cells) => cells.map((c, i) => String(c)[i ? 'padStart' : 'padEnd'](cols[i][1])).join(' ');
console.log(`\nper build: mean over ${config.ROUNDS} round(s); xbare = req/s / bare-proxy req/s in the same slot;` +
  `\n+p99 = ms added over bare-proxy's p99 at 1 connection; vs first = mean xbare / ${names[0]}'s (0.82 = 18 % slower); vs prev = req/s / the build above's in the\nsame round (they run one after the other; median over rounds);\nforeign = mean cores used by other processes on the box during the seconds this build was loaded`);
console.log(line(cols.map((c) => c[0])));
names.forEach((n, i) => {
  const x = row[n], first = row[names[0]], prev = i ? row[names[i - 1]] : null;
  const cells = [n];
  for (const m of modes) cells.push(x[m] ? `${f(x[m].mean, 3)} [${f(x[m].min, 3)}..${f(x[m].max, 3)}]` : 'FAILED');
  if (config.CONNS.includes(1)) for (const m of modes) cells.push(Number.isFinite(x[`p99${m}`]) ? `+${f(x[`p99${m}`])} ms` : '-');
  cells.push(f(x.rss), foreign[n] ? f(mean(foreign[n])) : '-');
  for (const m of modes) cells.push(x[m] && first[m] ? f(x[m].mean / first[m].mean, 3) : '-');
  for (const m of modes) { // paired: this build's req/s over the previous one's in the same round, run next to it
    const q = prev ? sel(n, m, conns).map((r) => [r, sel(names[i - 1], m, conns).find((p) => p.round === r.round)]).filter(([, p]) => p).map(([r, p]) => r.rps / p.rps) : [];
    cells.push(q.length ? `${f(median(q), 3)} [${f(Math.min(...q), 3)}..${f(Math.max(...q), 3)}]` : '');
  }
  console.log(line(cells));
});
for (const w of warn) console.log(`WARNING: ${w}`);
JS
