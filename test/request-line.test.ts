import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { writeRequestLine } from '../src/gateway/record/request-line.js';

/** A pino logger writing into an array, as fastify's request loggers are made (a child with `reqId`). */
function capturing(options: pino.LoggerOptions = {}) {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString('utf8')), done()) });
  const root = pino({ level: 'info', ...options }, stream);
  return { lines, log: root.child({ reqId: 'r-1' }) };
}

const FIELDS = {
  tenant: 'acme',
  served_model: undefined,
  tags: ['phi'],
  stream: false,
  status: 200,
  attempts: [{ route: 'a', status: 200, ms: 3 }],
  note: 'quote " and \n newline',
};

describe('the request line (written without pino’s generic walk)', () => {
  it('is the line pino writes for the same fields, byte for byte apart from the time', () => {
    const ours = capturing({ timestamp: () => ',"time":42' });
    const theirs = capturing({ timestamp: () => ',"time":42' });
    writeRequestLine(ours.log as never, FIELDS, 'request');
    theirs.log.info(FIELDS, 'request');
    expect(ours.lines).toEqual(theirs.lines);
    expect(JSON.parse(ours.lines[0]!)).toMatchObject({ level: 30, reqId: 'r-1', tenant: 'acme', msg: 'request' });
  });

  it('is not written below the logger’s level, and a logger that is not pino’s is called as usual', () => {
    const quiet = capturing({ level: 'warn' });
    writeRequestLine(quiet.log as never, FIELDS, 'request');
    expect(quiet.lines).toEqual([]);
    const calls: unknown[] = [];
    const plain = { info: (...args: unknown[]) => calls.push(args) };
    writeRequestLine(plain as never, { tenant: 'acme' }, 'refused');
    expect(calls).toEqual([[{ tenant: 'acme' }, 'refused']]);
  });
});

describe('the gateway’s buffered stdout', () => {
  /** A child process that writes lines through `bufferedStdout`, then (maybe) exits at once. */
  const child = (script: string) =>
    new Promise<{ out: string; ms: number }>((resolve, reject) => {
      const started = Date.now();
      const p = spawn(process.execPath, [
        '--input-type=module',
        '-e',
        `import { bufferedStdout } from './dist/gateway/stdout-log.js'; ${script}`,
      ]);
      let out = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (out.includes('second\n')) p.kill();
      });
      p.on('error', reject).on('close', () => resolve({ out, ms: Date.now() - started }));
    });

  it('writes a lone line within its flush period, without waiting for the buffer to fill', async () => {
    // The process stays up (a 10 s timer) until the line arrives and the test kills it.
    const { out } = await child(
      `const s = bufferedStdout(); s.write('first\\n'); setTimeout(() => s.write('second\\n'), 300); setTimeout(() => {}, 10_000);`,
    );
    expect(out).toBe('first\nsecond\n');
  });

  it('writes what is buffered when the process exits', async () => {
    const { out } = await child(
      `const s = bufferedStdout(); for (let i = 0; i < 3; i++) s.write('line ' + i + '\\n'); process.exit(0);`,
    );
    expect(out).toBe('line 0\nline 1\nline 2\n');
  });
});
