// Content hash and field diff of raw records: key order does not count as a change, any value change does.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so two equal records always serialise the same way. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 32);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Paths of the fields that differ between two records: `expires`, `opts.connectorEdition`,
 * `opts.addonLicenses[0].type`. A field added or removed counts as changed. Sorted, no duplicates.
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const out: string[] = [];
    for (const key of [...keys].sort()) {
      out.push(...changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      out.push(...changedPaths(before[i], after[i], `${prefix}[${i}]`));
    }
    return out;
  }
  const same =
    (before === undefined) === (after === undefined) && canonicalJson(before) === canonicalJson(after);
  return same ? [] : [prefix || '$'];
}
