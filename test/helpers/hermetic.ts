import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What a test file leaves behind is cleaned up when the file is done: the child processes it started and
// the temporary folders it made (`cleanUp`, registered for every file by `test/setup.ts`). Benchmarks use
// the same helpers outside vitest.

const children = new Set<ChildProcess>();
const folders = new Set<string>();

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  folders.add(dir);
  return dir;
}

/** Tracks a child process so that it is killed, if still running, when the test file ends. */
export function tracked<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * The environment for a child process: this one's, without what a developer's shell may hold that would
 * change what the child does (Switchyard's own settings and provider keys), plus the test's own.
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('SWITCHYARD_') || k.endsWith('_API_KEY')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Kills the tracked children still running and removes the temporary folders. */
export function cleanUp(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}
