// The emulator's demo data set with its big connector cut down: every state the demo's quotas place is still there,
// only fewer healthy licenses, so a test that syncs it writes a few hundred items instead of 1,298.
import { type DataSet, demoDataSet } from '#local/emulator/data';
import { demoCatalog } from '#local/emulator/fixtures';

/** The demo's connectors, Shopify - NetSuite with `bigLicenses` licenses instead of 1,250. */
export function smallDemo(now: Date, bigLicenses = 250): DataSet {
  const catalog = demoCatalog.map((p) =>
    p.licenseCount > bigLicenses ? { ...p, licenseCount: bigLicenses } : p,
  );
  return demoDataSet(now, 42, catalog);
}
