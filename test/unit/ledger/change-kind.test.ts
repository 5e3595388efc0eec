// What a change means to a partner, by precedence: deleted > created > installed > uninstalled > renewed /
// expiry-shortened > edition-changed > updated, each case and a property over random facts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeItemKindOf } from '#ledger/change-kind';

const JAN = '2027-01-01T00:00:00.000Z';
const FEB = '2027-02-01T00:00:00.000Z';
const base = { installed: true, expires: JAN, edition: 'standard' };

describe('changeItemKindOf', () => {
  it('names each kind when only its fact moved', () => {
    expect(changeItemKindOf('deleted', base, base)).toBe('deleted');
    expect(changeItemKindOf('created', undefined, base)).toBe('created');
    expect(changeItemKindOf('updated', { ...base, installed: false }, base)).toBe('installed');
    expect(changeItemKindOf('updated', base, { ...base, installed: false })).toBe('uninstalled');
    expect(changeItemKindOf('updated', base, { ...base, expires: FEB })).toBe('renewed');
    expect(changeItemKindOf('updated', { ...base, expires: FEB }, base)).toBe('expiry-shortened');
    expect(changeItemKindOf('updated', base, { ...base, edition: 'enterprise' })).toBe('edition-changed');
    expect(changeItemKindOf('updated', base, { ...base })).toBe('updated');
  });

  it('lets the rarer event win when several facts moved at once', () => {
    const everything = { installed: false, expires: FEB, edition: 'enterprise' };
    expect(changeItemKindOf('deleted', base, everything)).toBe('deleted');
    expect(changeItemKindOf('created', base, everything)).toBe('created');
    // Installed and renewed and upgraded: installed.
    expect(changeItemKindOf('updated', { ...everything, expires: JAN }, { ...base, expires: FEB })).toBe(
      'installed',
    );
    expect(changeItemKindOf('updated', base, everything)).toBe('uninstalled');
    expect(changeItemKindOf('updated', base, { ...base, expires: FEB, edition: 'enterprise' })).toBe(
      'renewed',
    );
    expect(changeItemKindOf('updated', { ...base, expires: FEB }, { ...base, edition: 'enterprise' })).toBe(
      'expiry-shortened',
    );
  });

  it('reads a version without facts before it as created, and an expiry only one side has as no renewal', () => {
    expect(changeItemKindOf('updated', undefined, base)).toBe('created');
    expect(changeItemKindOf('updated', base, undefined)).toBe('created');
    expect(changeItemKindOf('updated', { ...base, expires: undefined }, base)).toBe('updated');
    expect(changeItemKindOf('updated', base, { ...base, expires: undefined })).toBe('updated');
    // A missing edition and an empty one are the same edition.
    expect(changeItemKindOf('updated', { ...base, edition: undefined }, { ...base, edition: '' })).toBe(
      'updated',
    );
  });

  it('names a kind whose fact did move, and no rarer fact moved (property)', () => {
    const facts = fc.record({
      installed: fc.boolean(),
      expires: fc.option(fc.constantFrom(JAN, FEB, '2026-12-31T23:59:59.999Z'), { nil: undefined }),
      edition: fc.option(fc.constantFrom('standard', 'premium', ''), { nil: undefined }),
    });
    const seed = Date.now();
    process.stderr.write(`change-kind property: seed ${seed}\n`);
    fc.assert(
      fc.property(facts, facts, (before, after) => {
        const kind = changeItemKindOf('updated', before, after);
        const installMoved = before.installed !== after.installed;
        const expiryMoved = Boolean(before.expires && after.expires && before.expires !== after.expires);
        const editionMoved = (before.edition ?? '') !== (after.edition ?? '');
        const expected = installMoved
          ? after.installed
            ? 'installed'
            : 'uninstalled'
          : expiryMoved
            ? after.expires! > before.expires!
              ? 'renewed'
              : 'expiry-shortened'
            : editionMoved
              ? 'edition-changed'
              : 'updated';
        expect(kind).toBe(expected);
      }),
      { seed },
    );
  });
});
