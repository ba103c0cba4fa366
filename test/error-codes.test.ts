import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from '../scripts/errors-doc.js';
import { ConfigError, SwitchyardError } from '../src/engine/errors.js';
import { UsageError } from '../src/cli/cli-error.js';
import { LogNotFoundError } from '../src/duckdb/log-not-found.js';
import { errorCatalogue, GatewayError, isErrorCode } from '../src/gateway/errors.js';
import { UnreadableAnswerError, UnsupportedEndpointError } from '../src/gateway/formats/wire-format.js';

describe('the error vocabulary', () => {
  it('a denial maps explicitly: a catalogue code as catalogued, a rule code as policy_denied with its own code', () => {
    const budget = GatewayError.fromDenial({ code: 'budget_exceeded', message: 'over' });
    expect([budget.code, budget.status, budget.type]).toEqual(['budget_exceeded', 429, 'insufficient_quota']);
    const model = GatewayError.fromDenial({ code: 'model_not_found', message: 'no such model' });
    expect([model.status, model.param]).toEqual([404, 'model']);
    const rule = GatewayError.fromDenial({ code: 'no_gpt5_for_interns', message: 'ask your lead', rule: 'interns' });
    expect(rule.toJSON()).toEqual({
      error: { message: 'ask your lead', type: 'permission_error', code: 'no_gpt5_for_interns', param: null },
    });
    expect(rule.status).toBe(403);
  });

  it('tsc takes only catalogued codes', () => {
    // @ts-expect-error: not in the catalogue (npm run lint type-checks this file)
    const typo = () => new GatewayError('budget_exceded', 'x');
    expect(typo).toBeTypeOf('function');
    expect(isErrorCode('upstream_rejected')).toBe(true);
    expect(isErrorCode('budget_exceded')).toBe(false);
  });

  it('every error thrown on purpose is a SwitchyardError with a code', () => {
    const errors = [
      new ConfigError('f.yaml', [{ path: 'routes', message: 'missing' }]),
      new UsageError('bad flag'),
      new LogNotFoundError('no log'),
      new UnreadableAnswerError('not JSON'),
      new UnsupportedEndpointError('chat only'),
      new GatewayError('rate_limited', 'slow down'),
    ];
    for (const e of errors) expect(e).toBeInstanceOf(SwitchyardError);
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ['ConfigError', 'invalid_config'],
      ['UsageError', 'usage'],
      ['LogNotFoundError', 'log_not_found'],
      ['UnreadableAnswerError', 'unreadable_answer'],
      ['UnsupportedEndpointError', 'unsupported_endpoint'],
      ['GatewayError', 'rate_limited'],
    ]);
  });

  it('docs/errors.md is what the catalogue writes (npm run docs:errors)', () => {
    expect(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorsDoc());
    for (const { code } of errorCatalogue()) expect(renderErrorsDoc()).toContain(`| \`${code}\` |`);
  });
});
