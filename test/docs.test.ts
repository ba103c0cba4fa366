import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';

const REMARK = join(ROOT, 'node_modules', 'remark-cli', 'cli.js');
const PAGES = ['README.md', 'CHANGELOG.md', 'docs/'];

/** remark-validate-links over the pages (`npm run docs:links`): exit code and what it reported. */
async function checkLinks(root: string): Promise<{ code: number; report: string }> {
  const args = [
    REMARK,
    '--rc-path',
    join(ROOT, '.remarkrc.json'),
    '--frail',
    '--quiet',
    '--no-stdout',
    '--no-color',
    ...PAGES,
  ];
  try {
    const { stderr } = await promisify(execFile)(process.execPath, args, { cwd: root });
    return { code: 0, report: stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, report: e.stderr };
  }
}

describe('the documentation', () => {
  it('every relative link in README.md, CHANGELOG.md and docs/ reaches a file, and every #anchor a heading', async () => {
    const { code, report } = await checkLinks(ROOT);
    expect(report).toBe('');
    expect(code).toBe(0);
  });

  it('a link to a file or heading that is not there fails the check', async () => {
    const root = tempDir('switchyard-links');
    cpSync(join(ROOT, 'docs'), join(root, 'docs'), { recursive: true });
    cpSync(join(ROOT, 'CHANGELOG.md'), join(root, 'CHANGELOG.md'));
    mkdirSync(join(root, 'src'));
    writeFileSync(
      join(root, 'README.md'),
      '# R\n\n[gone](src/gone.ts) and [no heading](docs/architecture.md#nowhere)\n',
    );
    const { code, report } = await checkLinks(root);
    expect(code).not.toBe(0);
    expect(report).toContain('Cannot find file `src/gone.ts`');
    expect(report).toContain('Cannot find heading for `#nowhere`');
  });
});
