// Test helper: the ledger's guarantee as assertions shared by the model and interleaving tests.
import { expect } from 'vitest';
import { canonicalJson } from '#ledger/hash';
import { allLicenses, licenseHistory } from '#ledger/queries';
import type { LedgerStore } from '#ledger/store/port';
import type { Emulator } from '#local/emulator/index';

/** The ledger's live licenses of a connector are the Partner API's, record for record. */
export async function expectLedgerEqualsUpstream(ledger: LedgerStore, emu: Emulator, cid: string) {
  const live: Record<string, unknown> = {};
  for await (const v of allLicenses(ledger, { connectorId: cid })) live[v.id] = v.raw;
  expect(live).toEqual(Object.fromEntries(emu.licenses(cid).map((l) => [l._id, l])));
}

/**
 * Every history is one chain (created, updates that change something, deletions, creations after deletions only),
 * no version is observed before the one it follows (no stale version after a newer one), and the last version is
 * what the current item says.
 */
export async function expectHistoriesSound(ledger: LedgerStore, cid: string) {
  for await (const v of allLicenses(ledger, { connectorId: cid, includeDeleted: true })) {
    const versions = (await licenseHistory(ledger, v.id, { limit: 1000 })).items.reverse();
    expect(versions[0]!.change, v.id).toBe('created');
    versions.forEach((version, i) => {
      if (i === 0) return;
      const before = versions[i - 1]!;
      if (version.change === 'created') expect(before.change, v.id).toBe('deleted');
      else expect(before.change, v.id).not.toBe('deleted');
      if (version.change === 'updated')
        expect(canonicalJson(version.license)).not.toBe(canonicalJson(before.license));
      expect(version.observedAt >= before.observedAt, `${v.id}: a stale version after a newer one`).toBe(
        true,
      );
    });
    expect(versions.at(-1)!.change === 'deleted', v.id).toBe(Boolean(v.deletedAt));
    if (!v.deletedAt) expect(versions.at(-1)!.license, v.id).toEqual(v.raw);
  }
}
