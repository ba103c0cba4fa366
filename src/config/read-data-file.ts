import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError } from '../engine/errors.js';

/** Reads a YAML or JSON file; any read or parse failure becomes a `ConfigError` naming the file and line. */
export async function readDataFile(path: string, label = path): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(label, [
      { path: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})` },
    ]);
  }
  if (path.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ConfigError(label, [{ path: '(file)', message: `is not valid JSON: ${(err as Error).message}` }]);
    }
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      label,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '(file)',
        message: (e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  }
  return doc.toJS() as unknown;
}
