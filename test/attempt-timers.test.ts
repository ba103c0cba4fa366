import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { freshGatewayPerTest, KEYS } from './helpers/gateway-fixture.js';

// Every attempt holds a timer for its route's total deadline (ten minutes by default). A stream's is cleared when
// the stream ends, however it ends: one left behind per request is ten minutes of timers at the request rate.
const env = freshGatewayPerTest();

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

async function stream(): Promise<number> {
  const res = await request(`${env.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
    body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
  });
  await res.body.text();
  return res.statusCode;
}

describe("an attempt's deadline timer", () => {
  it('is cleared when a stream completes', async () => {
    await stream();
    const before = timers();
    for (let i = 0; i < 20; i++) expect(await stream()).toBe(200);
    expect(timers() - before).toBeLessThan(5);
  });

  it('is cleared when the upstream drops a stream part way', async () => {
    await stream();
    const before = timers();
    for (let i = 0; i < 20; i++) {
      env.mocks.aggregator.behave({ resetAfterChunks: 2, reply: 'one two three four five six' });
      expect(await stream()).toBe(200);
    }
    expect(timers() - before).toBeLessThan(5);
  });
});
