// What a recorded change means to a partner (renewed, installed, converted, ...), read from the facts before and after it.
import type { ChangeItemKind, ChangeKind } from './schemas.ts';
import type { LicenseFacts } from './store/records.ts';

type Facts = Pick<LicenseFacts, 'installed' | 'expires' | 'edition' | 'trialEndDate'>;

/**
 * The kind of one version, by precedence: deleted, created, converted (the trial's end is gone while the license
 * lives on), trial-started, trial-extended, installed, uninstalled, renewed (expires later), expiry-shortened,
 * edition-changed, updated. The rarer event wins: a conversion usually comes with a later expiry, a renewal may come
 * with an install, and `changes` still lists every field that moved.
 */
export function changeItemKindOf(change: ChangeKind, before?: Facts, after?: Facts): ChangeItemKind {
  if (change === 'deleted') return 'deleted';
  if (change === 'created' || !before || !after) return 'created';
  if (before.trialEndDate && !after.trialEndDate) return 'converted';
  if (!before.trialEndDate && after.trialEndDate) return 'trial-started';
  if (
    before.trialEndDate &&
    after.trialEndDate &&
    Date.parse(after.trialEndDate) > Date.parse(before.trialEndDate)
  )
    return 'trial-extended';
  if (!before.installed && after.installed) return 'installed';
  if (before.installed && !after.installed) return 'uninstalled';
  if (before.expires && after.expires && before.expires !== after.expires)
    return Date.parse(after.expires) > Date.parse(before.expires) ? 'renewed' : 'expiry-shortened';
  if ((before.edition ?? '') !== (after.edition ?? '')) return 'edition-changed';
  return 'updated';
}

/**
 * The conversion a version carries: stamped when it drops the trial's end of a license that lives on, carried
 * forward while no trial end comes back, cleared by a new trial (its conversion stays in the history).
 */
export function trialConversionOf(
  before: Pick<LicenseFacts, 'trialEndDate' | 'trialConvertedAt'> | undefined,
  after: Pick<LicenseFacts, 'trialEndDate'>,
  observedAt: string,
): string | undefined {
  if (after.trialEndDate) return undefined;
  if (before?.trialEndDate) return observedAt;
  return before?.trialConvertedAt;
}
