import { accessSync, constants, mkdirSync } from 'node:fs';
import { ConfigError } from '../../engine/errors.js';

const WHY: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a file stands where a directory is needed',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

/**
 * Makes the decision log's directory, and checks the gateway may write there, before anything is served: a
 * log that cannot be written is a config problem named at start, not a stack trace.
 */
export function ensureWritableLogDir(dir: string, source: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError(source, [
      { path: 'log.dir', message: `${dir} is not writable (${WHY[code] ?? code ?? String(err)})` },
    ]);
  }
}
