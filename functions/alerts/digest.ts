// A digest: one message for people per evaluation and sink, however many alerts it covers: counts per rule, the
// most urgent lines, and where to read the full list. Its id is stable for the same alerts, so a repeat can be dropped.
import { createHash } from 'node:crypto';
import type { Alert, RuleName } from '#watch/alert';

export interface Digest {
  /** `d-<hash of the alert ids it covers>`: the same alerts give the same id (a resend is recognisable). */
  digestId: string;
  total: number;
  counts: Partial<Record<RuleName, number>>;
  /** The most urgent alerts, as shown; `alertIds` of the message are theirs (10,000 ids would not fit a message). */
  lines: { alertId: string; rule: RuleName; text: string }[];
  /** Alerts covered but not shown. */
  more: number;
  /** Where the full list is. */
  pointer: string;
  /** One line for a subject (ASCII, at most 100 characters: SNS's limit). */
  subject: string;
  /** The whole digest as a person reads it. */
  text: string;
}

export const DIGEST_LINES = 20;
const LINE_CHARS = 300;
export const DEFAULT_POINTER =
  '`licensewatch report expiring|expired|not-installed|trials` (or GET /alerts and /reports/... on the HTTP API)';

/**
 * What a digest shows first: production licenses before sandboxes; then expiries, trials, deletions, stuck updates
 * and licenses waiting to be installed, each a section of its own (a trial's end and a paid expiry are different
 * conversations).
 */
const SECTION: Record<RuleName, number> = {
  expiring: 0,
  expired: 0,
  'trial-ending': 1,
  'trial-ended': 1,
  deleted: 2,
  'update-stuck': 3,
  'not-installed': 4,
};
const SECTION_TITLES = ['Expiries', 'Trials', 'Gone upstream', 'Stuck updates', 'Not installed'];
/** Within a section: ending soonest, then the most recently ended. */
const RANK: Record<RuleName, number> = {
  expiring: 0,
  expired: 1,
  'trial-ending': 2,
  'trial-ended': 3,
  deleted: 4,
  'update-stuck': 5,
  'not-installed': 6,
};
/** Days to the end the alert is about: the trial's for trial rules, the expiry's otherwise. */
const daysOf = (a: Alert) =>
  (a.rule === 'trial-ending' || a.rule === 'trial-ended' ? a.daysToTrialEnd : a.daysToExpiry) ?? 0;
function urgency(a: Alert, b: Alert): number {
  const env = Number(a.sandbox === true) - Number(b.sandbox === true);
  if (env !== 0) return env;
  const rank = RANK[a.rule] - RANK[b.rule];
  if (rank !== 0) return rank;
  const days =
    a.rule === 'expired' || a.rule === 'trial-ended' ? daysOf(b) - daysOf(a) : daysOf(a) - daysOf(b);
  return days || a.alertId.localeCompare(b.alertId);
}

/** A heading before each run of lines of one environment and section: `Production: expiries`. */
const headingOf = (a: Alert) =>
  `${a.sandbox === true ? 'Sandbox' : 'Production'}: ${SECTION_TITLES[SECTION[a.rule]]!.toLowerCase()}`;

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export function buildDigest(alerts: Alert[], options: { pointer?: string; maxLines?: number } = {}): Digest {
  const counts: Partial<Record<RuleName, number>> = {};
  for (const a of alerts) counts[a.rule] = (counts[a.rule] ?? 0) + 1;
  const shown = [...alerts].sort(urgency).slice(0, options.maxLines ?? DIGEST_LINES);
  const lines = shown.map((a) => ({
    alertId: a.alertId,
    rule: a.rule,
    text: `[${a.rule}] ${a.message}`.slice(0, LINE_CHARS),
  }));
  const ids = alerts.map((a) => a.alertId).sort();
  const digestId = `d-${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 20)}`;
  const pointer = options.pointer ?? DEFAULT_POINTER;
  const byRule = (Object.keys(RANK) as RuleName[])
    .filter((r) => counts[r])
    .map((r) => `${(counts[r] ?? 0).toLocaleString('en-US')} ${r}`)
    .join(', ');
  const headline = `licensewatch: ${plural(alerts.length, 'alert')} (${byRule})`;
  const more = alerts.length - shown.length;
  const text = [
    headline,
    '',
    shown.length < alerts.length ? `Most urgent ${shown.length}:` : 'Alerts:',
    ...shown.flatMap((a, i) => {
      const line = `• ${lines[i]!.text}`;
      const heading = headingOf(a);
      return i === 0 || headingOf(shown[i - 1]!) !== heading ? [`${heading}`, line] : [line];
    }),
    ...(more > 0 ? [`… and ${plural(more, 'more alert')}.`] : []),
    '',
    `Full list: ${pointer}`,
    `(digest ${digestId})`,
  ].join('\n');
  const subject = headline.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  return { digestId, total: alerts.length, counts, lines, more, pointer, subject, text };
}

/** The digest as machines read it (SNS `default`, the webhook body beside `text`). */
export function digestBody(digest: Digest, evaluationId: string) {
  return {
    format: 'digest' as const,
    digestId: digest.digestId,
    evaluationId,
    total: digest.total,
    counts: digest.counts,
    alertIds: digest.lines.map((l) => l.alertId),
    lines: digest.lines,
    more: digest.more,
    pointer: digest.pointer,
    text: digest.text,
  };
}
