// What a recorded change means to a partner (renewed, installed, ...), read from the facts before and after it.
import type { ChangeItemKind, ChangeKind } from './schemas.ts';
import type { LicenseFacts } from './store/records.ts';

type Facts = Pick<LicenseFacts, 'installed' | 'expires' | 'edition'>;

/**
 * The kind of one version, by precedence: deleted, created, installed, uninstalled, renewed (expires later),
 * expiry-shortened, edition-changed, updated. A renewal that also installs is `installed`: the rarer event wins,
 * and `changes` still lists every field that moved.
 */
export function changeItemKindOf(change: ChangeKind, before?: Facts, after?: Facts): ChangeItemKind {
  if (change === 'deleted') return 'deleted';
  if (change === 'created' || !before || !after) return 'created';
  if (!before.installed && after.installed) return 'installed';
  if (before.installed && !after.installed) return 'uninstalled';
  if (before.expires && after.expires && before.expires !== after.expires)
    return Date.parse(after.expires) > Date.parse(before.expires) ? 'renewed' : 'expiry-shortened';
  if ((before.edition ?? '') !== (after.edition ?? '')) return 'edition-changed';
  return 'updated';
}
