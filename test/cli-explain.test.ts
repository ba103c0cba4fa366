import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const CONFIG = ['--config', 'switchyard.example.yaml', '--at', '2026-11-26T12:00:00Z'];
const chat = (content: string, model = 'gpt-5') => JSON.stringify({ model, messages: [{ role: 'user', content }] });

describe('switchyard explain', () => {
  it('routes a public request direct, with the aggregator as fallback', async () => {
    const r = await runCli(['explain', 'examples/chat.json', '--tenant', 'acme', ...CONFIG, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.routes.map((x: { route: string }) => x.route)).toEqual(['openai-direct', 'openrouter']);
    expect(d.sensitivity).toBe('public');
  });

  it('keeps an internal request on routes cleared for it', async () => {
    const r = await runCli(['explain', '-', '--tenant', 'acme', '--tags', 'finance', ...CONFIG, '--json'], {
      stdin: chat('Q3 revenue by region'),
    });
    const d = JSON.parse(r.stdout);
    expect(d.routes.map((x: { kind: string }) => x.kind)).toEqual(['direct']);
    expect(d.excluded).toContainEqual({
      route: 'openrouter',
      kind: 'aggregator',
      reason: 'clearance',
      detail: 'clearance internal < confidential',
    });
  });

  it('sends a phi request on-prem only, as a readable table', async () => {
    const r = await runCli(['explain', 'examples/chat.json', '--tenant', 'acme', '--tags', 'phi', ...CONFIG]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('→ restricted');
    expect(r.stdout).toMatch(/^1\s+onprem-gpu\s+onprem/m);
    expect(r.stdout).toContain('restricted-uses-onprem-model');
  });

  it('auto-tags a tenant that opted in', async () => {
    const r = await runCli(['explain', 'examples/chat-with-pii.json', '--tenant', 'research', ...CONFIG, '--json']);
    const d = JSON.parse(r.stdout);
    expect(d.tags).toEqual(['pci', 'pii']);
    expect(d.routes.map((x: { kind: string }) => x.kind)).toEqual(['onprem']);
  });

  it.each([
    [
      ['explain', 'missing.json', '--tenant', 'acme', ...CONFIG],
      '',
      "switchyard: request file 'missing.json': no such file",
    ],
    [['explain', '-', '--tenant', 'acme', ...CONFIG], '{"model": "gpt-5", ', 'switchyard: stdin is not valid JSON'],
    [
      ['explain', '-', '--tenant', 'acme', ...CONFIG],
      chat('hi', 'gpt-9'),
      "switchyard: the model 'gpt-9' does not exist",
    ],
    [['explain', '-', '--tenant', 'nobody', ...CONFIG], chat('hi'), "switchyard: unknown tenant 'nobody'"],
    [
      ['explain', '-', '--tenant', 'acme', ...CONFIG],
      '{"model":"gpt-5","messages":"hi"}',
      'switchyard: stdin: messages',
    ],
    [['explain', '-', '--tenant', 'acme', '--config', 'nope.yaml'], chat('hi'), 'switchyard: nope.yaml: no such file'],
    [
      ['explain', '-', '--tenant', 'acme', ...CONFIG, '--slo-ms', 'fast'],
      chat('hi'),
      "switchyard: --slo-ms must be a positive whole number, not 'fast'",
    ],
  ])('bad input %# → one line, exit 2', async (args, stdin, message) => {
    const r = await runCli(args, { stdin });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });
});
