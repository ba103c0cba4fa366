import { readFile } from 'node:fs/promises';
import type { TSchema, Static } from '@sinclair/typebox';
import { SchemaValidator } from '../engine/schema-errors.js';
import { UsageError } from './cli-error.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON request body from a file (or stdin for `-`) and checks it against the gateway's schema. */
export async function readRequestBody<T extends TSchema>(file: string, schema: T): Promise<Static<T>> {
  const label = file === '-' ? 'stdin' : `request file '${file}'`;
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${label}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${label} is not valid JSON: ${(err as Error).message}`);
  }
  const problems = new SchemaValidator(schema).problems(json);
  if (problems.length > 0)
    throw new UsageError(`${label}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
  return json as Static<T>;
}
