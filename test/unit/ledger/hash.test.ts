// Properties of the content hash and the field diff that decide what the ledger writes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, changedPaths, contentHash } from '#ledger/hash';

/** JSON values as the Partner API could send them (no undefined, finite numbers). */
const json = fc.jsonValue({ maxDepth: 4 });
const record = fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 8 });

/** The same object with its keys in another order, at every level. */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  entries.sort(
    (a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7) || (seed % 2 ? 1 : -1),
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
}

describe('contentHash', () => {
  it('ignores key order at every level', () => {
    fc.assert(
      fc.property(record, fc.nat(), (r, seed) => {
        expect(contentHash(shuffleKeys(r, seed))).toBe(contentHash(r));
      }),
    );
  });

  it('differs whenever the canonical content differs', () => {
    fc.assert(
      fc.property(record, record, (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        expect(contentHash(a)).not.toBe(contentHash(b));
      }),
    );
  });
});

describe('changedPaths', () => {
  it('is empty exactly when the hashes agree', () => {
    fc.assert(
      fc.property(record, record, (a, b) => {
        expect(changedPaths(a, b).length === 0).toBe(contentHash(a) === contentHash(b));
      }),
    );
  });

  it('names the one field that was set, however deep', () => {
    fc.assert(
      fc.property(record, fc.string({ minLength: 1, maxLength: 6 }), json, (base, key, value) => {
        const before = { ...base, opts: { ...(base.opts as object), [key]: 'old' } };
        fc.pre(canonicalJson(value) !== canonicalJson('old'));
        const after = { ...before, opts: { ...before.opts, [key]: value } };
        const paths = changedPaths(before, after);
        expect(paths.length).toBeGreaterThan(0);
        expect(paths.every((p) => p.startsWith(`opts.${key}`))).toBe(true);
      }),
    );
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(record, record, (a, b) => {
        expect(changedPaths(a, b)).toEqual(changedPaths(b, a));
      }),
    );
  });

  it('names fields the way the history shows them', () => {
    const before = {
      expires: 'a',
      opts: { connectorEdition: 's', addonLicenses: [{ type: 'store', licenses: [{ addOnEdition: 's' }] }] },
    };
    const after = {
      expires: 'b',
      opts: { connectorEdition: 's', addonLicenses: [{ type: 'store', licenses: [{ addOnEdition: 'e' }] }] },
      sandbox: true,
    };
    expect(changedPaths(before, after)).toEqual([
      'expires',
      'opts.addonLicenses[0].licenses[0].addOnEdition',
      'sandbox',
    ]);
    expect(changedPaths({ a: null }, {})).toEqual(['a']);
  });
});
