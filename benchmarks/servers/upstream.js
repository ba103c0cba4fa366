// The mock upstream every benchmark target calls: Switchyard's own OpenAI mock, zero added delay.
// Usage: node upstream.js PORT
import { startMockUpstream } from '../../dist/mock-upstream/mock-upstream.js';

const upstream = await startMockUpstream(
  'bench',
  { usage: { prompt_tokens: 12, completion_tokens: 4 } },
  Number(process.argv[2] ?? 0),
);
process.stdout.write(`listening ${new URL(upstream.url).port}\n`);
process.on('SIGTERM', () => upstream.close().then(() => process.exit(0)));
