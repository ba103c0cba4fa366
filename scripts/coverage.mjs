// `npm run coverage`: line coverage of src/ counting both the suites' own process and the child processes
// they start (the CLI, `switchyard serve`). Vitest's V8 provider sees only its workers, so the run also sets
// NODE_V8_COVERAGE: every child writes its raw V8 coverage there on exit, and c8 maps it from dist/ back
// to src/ through the build's source maps. The two reports number statements differently, so they are
// joined by line: a line is covered when either process kind ran it.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = `${root}coverage`;
rmSync(out, { recursive: true, force: true });
function run(args, env = {}) {
  const { status } = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (status !== 0) {
    console.error(`coverage: \`npx ${args.slice(0, 2).join(' ')}\` failed (exit ${status}); no report.`);
    process.exit(1);
  }
}

run(['vitest', 'run', '--coverage.enabled', '--coverage.provider=v8', '--coverage.include=src', '--coverage.reporter=json', '--coverage.reportsDirectory=coverage/in-process'], { NODE_V8_COVERAGE: `${out}/children-raw` });
run(['c8', 'report', '--temp-directory', 'coverage/children-raw', '--reporter', 'json', '--report-dir', 'coverage/children', '--src', 'src', '--include', 'dist/**']);

/** File → (line → covered?) from an istanbul JSON report: a line counts where a statement starts. */
function linesOf(path) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const files = new Map();
  for (const [file, cov] of Object.entries(report)) {
    const lines = new Map();
    for (const [id, loc] of Object.entries(cov.statementMap)) {
      const line = loc.start.line;
      lines.set(line, (lines.get(line) ?? false) || cov.s[id] > 0);
    }
    files.set(relative(root, file), lines);
  }
  return files;
}

const inProcess = linesOf(`${out}/in-process/coverage-final.json`);
const children = linesOf(`${out}/children/coverage-final.json`);
const byDir = new Map();
const totals = { lines: 0, inProcess: 0, children: 0, either: 0 };
for (const file of new Set([...inProcess.keys(), ...children.keys()])) {
  if (!file.startsWith('src/')) continue;
  const a = inProcess.get(file) ?? new Map();
  const b = children.get(file) ?? new Map();
  const dir = file.split('/').slice(0, 3).join('/').replace(/\.ts$/, '');
  const row = byDir.get(dir) ?? { lines: 0, inProcess: 0, children: 0, either: 0 };
  for (const line of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(line) === true;
    const y = b.get(line) === true;
    for (const t of [row, totals]) {
      t.lines++;
      if (x) t.inProcess++;
      if (y) t.children++;
      if (x || y) t.either++;
    }
  }
  byDir.set(dir, row);
}

const pct = (n, d) => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`;
console.log('\n| src | lines | in-process | child processes | either |\n|---|---:|---:|---:|---:|');
for (const [dir, r] of [...byDir].sort()) console.log(`| ${dir} | ${r.lines} | ${pct(r.inProcess, r.lines)} | ${pct(r.children, r.lines)} | ${pct(r.either, r.lines)} |`);
console.log(`| **all** | ${totals.lines} | ${pct(totals.inProcess, totals.lines)} | ${pct(totals.children, totals.lines)} | **${pct(totals.either, totals.lines)}** |`);
