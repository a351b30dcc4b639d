// Runs graphql-http's GraphQL-over-HTTP server audits against a served instance.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints every audit result; exits non-zero on any warning or error (notices are printed, not counted).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status === 'ok') {
    console.log(`ok     ${result.id} ${result.name}`);
    continue;
  }
  let body = '';
  try {
    body = await result.response.text();
  } catch {
    body = '(body already read)';
  }
  console.log(`${result.status.padEnd(6)} ${result.id} ${result.name}`);
  console.log(`       reason: ${result.reason}`);
  console.log(`       status: ${result.response.status} ${result.response.headers.get('content-type') ?? ''}`);
  console.log(`       body: ${body.slice(0, 300)}`);
}
console.log(
  `graphql-http audit: ${counts.ok} ok, ${counts.notice} notices, ${counts.warn} warnings, ${counts.error} errors`,
);
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
