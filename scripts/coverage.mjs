// `npm run coverage`: line coverage of src/ counting both the suites' own process and the child processes
// they start (the CLI, `switchyard serve`). Vitest's V8 provider sees only its workers, so the run also sets
// NODE_V8_COVERAGE: every child writes its raw V8 coverage there on exit, and c8 maps it from dist/ back
// to src/ through the build's source maps. The two reports number statements differently, so they are
// joined by line: a line is covered when either process kind ran it.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = `${root}coverage`;
// `--report-only` reads the last run's data again.
const reportOnly = process.argv.includes('--report-only');
if (!reportOnly) rmSync(out, { recursive: true, force: true });
function run(args, env = {}) {
  const { status } = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (status !== 0) {
    console.error(`coverage: \`npx ${args.slice(0, 2).join(' ')}\` failed (exit ${status}); no report.`);
    process.exit(1);
  }
}

if (!reportOnly)
  run(
    [
      'vitest',
      'run',
      '--coverage.enabled',
      '--coverage.provider=v8',
      '--coverage.include=src',
      '--coverage.reporter=json',
      '--coverage.reportsDirectory=coverage/in-process',
    ],
    { NODE_V8_COVERAGE: `${out}/children-raw` },
  );
if (!reportOnly)
  run([
    'c8',
    'report',
    '--temp-directory',
    'coverage/children-raw',
    '--reporter',
    'json',
    '--report-dir',
    'coverage/children',
    '--src',
    'src',
    '--include',
    'dist/**',
  ]);

/** File → (line → covered?) from c8's report, which has one statement per executable line. */
function lines(report) {
  const files = new Map();
  for (const [file, cov] of Object.entries(report)) {
    const lines = new Map();
    for (const [id, loc] of Object.entries(cov.statementMap))
      lines.set(loc.start.line, (lines.get(loc.start.line) ?? false) || cov.s[id] > 0);
    files.set(relative(root, file), lines);
  }
  return files;
}

/**
 * Vitest's report has fewer, larger statements (one spans a whole object literal): a line counts as run
 * when a run statement spans it and no statement that did not run starts on it.
 */
function spans(report) {
  const files = new Map();
  for (const [file, cov] of Object.entries(report)) {
    const run = [];
    const notRun = new Set();
    for (const [id, loc] of Object.entries(cov.statementMap)) {
      if (cov.s[id] > 0) run.push([loc.start.line, loc.end.line]);
      else notRun.add(loc.start.line);
    }
    files.set(
      relative(root, file),
      (line) => !notRun.has(line) && run.some(([from, to]) => from <= line && line <= to),
    );
  }
  return files;
}

const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
const inProcessReport = read(`${out}/in-process/coverage-final.json`);
const inProcess = spans(inProcessReport);
const children = lines(read(`${out}/children/coverage-final.json`));
const byDir = new Map();
const totals = { lines: 0, children: 0, either: 0 };
for (const file of new Set([...inProcess.keys(), ...children.keys()])) {
  if (!file.startsWith('src/')) continue;
  const ran = inProcess.get(file) ?? (() => false);
  const b = children.get(file) ?? new Map();
  const dir = file.split('/').slice(0, 3).join('/').replace(/\.ts$/, '');
  const row = byDir.get(dir) ?? { lines: 0, children: 0, either: 0 };
  const universe =
    b.size > 0
      ? [...b.keys()]
      : Object.values(inProcessReport[join(root, file)]?.statementMap ?? {}).map((l) => l.start.line);
  for (const line of new Set(universe)) {
    const x = ran(line);
    const y = b.get(line) === true;
    for (const t of [row, totals]) {
      t.lines++;
      if (y) t.children++;
      if (x || y) t.either++;
    }
  }
  byDir.set(dir, row);
}

const pct = (n, d) => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`;
const statements = Object.values(inProcessReport).flatMap((f) => Object.values(f.s));
console.log('\n| src | lines | covered |\n|---|---:|---:|');
for (const [dir, r] of [...byDir].sort()) console.log(`| ${dir} | ${r.lines} | ${pct(r.either, r.lines)} |`);
console.log(`| **all** | ${totals.lines} | **${pct(totals.either, totals.lines)}** |`);
console.log(
  `\nIn-process alone: ${pct(statements.filter((n) => n > 0).length, statements.length)} of vitest's statements; child processes alone: ${pct(totals.children, totals.lines)} of lines.`,
);
