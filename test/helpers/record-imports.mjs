// Preloaded with `node --import`: every module the process resolves is appended, one URL a line, to the file
// named by RECORD_IMPORTS_TO (the resolve hook runs on the loader's own thread, so the write is synchronous).
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(process.env.RECORD_IMPORTS_TO)}, resolved.url + '\\n');
  return resolved;
}`)}`,
);
