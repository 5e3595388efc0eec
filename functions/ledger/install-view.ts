// An install record as the ledger reads it: its facts, versions compared, and the install view with `outdated`.
import type { InstallView } from './install-schemas.ts';
import type { InstallFacts, StoredInstall } from './store/install-records.ts';

export type { InstallFacts } from './store/install-records.ts';

const DOTTED = /^v?(\d+(?:\.\d+)*)(.*)$/;

/**
 * Orders versions as dotted numbers (`1.10.0` after `1.9.2`, `v2` = `2.0`), a suffix (`-beta`) before its plain
 * release; anything not starting with a number falls back to string order, after every numbered version.
 */
export function compareVersions(a: string, b: string): number {
  const ma = DOTTED.exec(a.trim());
  const mb = DOTTED.exec(b.trim());
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const pa = ma[1]!.split('.').map(Number);
  const pb = mb[1]!.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  const [sa, sb] = [ma[2]!, mb[2]!];
  if (sa === sb) return 0;
  if (!sa) return 1;
  if (!sb) return -1;
  return sa < sb ? -1 : 1;
}

/** The newest of some versions (undefined when there are none). */
export function newestOf(versions: Iterable<string | undefined>): string | undefined {
  let newest: string | undefined;
  for (const v of versions)
    if (v !== undefined && (newest === undefined || compareVersions(v, newest) > 0)) newest = v;
  return newest;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function installFacts(raw: Record<string, unknown>): InstallFacts {
  return {
    integrationId: String(raw._integrationId),
    // The shape is unconfirmed: an e-mail may come as `email` or under `user`.
    email: str(raw.email) ?? str((raw.user as Record<string, unknown> | undefined)?.email) ?? '',
    name: str(raw.name),
    version: str(raw.version) ?? (typeof raw.version === 'number' ? String(raw.version) : ''),
    sandbox: raw.sandbox === true,
    updateInProgress: raw.updateInProgress === true,
  };
}

export function toInstallView(
  item: StoredInstall,
  options: { newestVersion?: string; lastCompleteAt?: string },
): InstallView {
  const lastSeenAt =
    !item.removedAt && options.lastCompleteAt && options.lastCompleteAt > item.lastSeenAt
      ? options.lastCompleteAt
      : item.lastSeenAt;
  const view: InstallView = {
    integrationId: item.integrationId,
    connectorId: item.connectorId,
    account: item.account,
    email: item.email,
    ...(item.name ? { name: item.name } : {}),
    version: item.version,
    sandbox: item.sandbox,
    updateInProgress: item.updateInProgress,
    ...(item.licenseId ? { licenseId: item.licenseId } : {}),
    outdated:
      !item.removedAt &&
      options.newestVersion !== undefined &&
      compareVersions(item.version, options.newestVersion) < 0,
    firstSeenAt: item.firstSeenAt,
    lastSeenAt,
    ...(item.removedAt ? { removedAt: item.removedAt } : {}),
  };
  return view;
}
