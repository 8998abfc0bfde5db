import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ERRORS, SpacewatchError } from '../src/errors.js';
import { JOIN_ERROR_CODES } from '../src/types.js';

// As fastify keeps lib/errors.js and its docs in step: the README's tables are the user's reference,
// so a code added, renamed or re-statused in the catalogue without the docs fails here.

const readme = readFileSync('README.md', 'utf8');

/** Rows of the first markdown table after `heading`: cells, backticks stripped. */
function table(heading: string): string[][] {
  const start = readme.indexOf(heading);
  assert.ok(start >= 0, `README has a "${heading}" section`);
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.split('|').slice(1, -1).map((c) => c.trim().replace(/`/g, '')));
  }
  return rows;
}

describe('error catalogue', () => {
  test('README "Error codes" lists every code with its status, and nothing else', () => {
    const rows = table('### Error codes');
    assert.deepEqual(rows.map((r) => r[0]).sort(), Object.keys(ERRORS).sort());
    for (const [code, status] of rows.map((r) => [r[0]!, Number(r[1])] as const)) {
      assert.equal(status, ERRORS[code as keyof typeof ERRORS].status, `${code} status`);
    }
  });

  test('README "Join-error codes" lists exactly the probe codes', () => {
    assert.deepEqual(table('### Join-error codes').map((r) => r[0]), [...JOIN_ERROR_CODES]);
  });

  test('codes are stable identifiers and statuses are HTTP error statuses', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      assert.match(code, /^SW_[A-Z_]+$/);
      assert.ok(spec.status >= 400 && spec.status <= 599, code);
    }
  });

  test('SpacewatchError fills the template and carries code and status', () => {
    const err = new SpacewatchError('SW_TARGET_NOT_FOUND', 'big-space');
    assert.equal(err.message, 'no target with id "big-space"');
    assert.equal(err.code, 'SW_TARGET_NOT_FOUND');
    assert.equal(err.statusCode, 404);
  });
});
