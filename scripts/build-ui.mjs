// Builds the dashboard (ui/) into dist/ui: one JavaScript and one CSS file, named by their content's hash, and
// the page that loads them. Fails when the JavaScript passes its budget (200 KB gzipped), and prints the size.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET_BYTES = 200 * 1024;
const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist/ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'ui/src/main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir: join(out, 'assets'),
  entryNames: 'app-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).map((f) => f.split('/').pop());
const js = files.filter((f) => f.endsWith('.js'));
const css = files.filter((f) => f.endsWith('.css'));
writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard</title>
${css.map((f) => `<link rel="stylesheet" href="/ui/assets/${f}">`).join('\n')}
</head>
<body>
<div id="app"></div>
${js.map((f) => `<script type="module" src="/ui/assets/${f}"></script>`).join('\n')}
</body>
</html>
`,
);
const gz = readdirSync(join(out, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .reduce((n, f) => n + gzipSync(readFileSync(join(out, 'assets', f))).length, 0);
writeFileSync(join(out, 'size.json'), JSON.stringify({ js_gzip_bytes: gz, budget_bytes: BUDGET_BYTES }) + '\n');
console.log(`dashboard: ${(gz / 1024).toFixed(1)} KB of JavaScript gzipped (budget ${BUDGET_BYTES / 1024} KB)`);
if (gz > BUDGET_BYTES) {
  console.error(`dashboard: over its budget of ${BUDGET_BYTES / 1024} KB gzipped`);
  process.exit(1);
}
