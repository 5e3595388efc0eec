// Watch rules and alert evaluation against DynamoDB Local, on licenses placed at exact distances from "now".
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleSink } from '#alerts/console';
import { webhookSink, webhookSinkId } from '#alerts/webhook';
import type { LicenseRecord } from '#local/emulator/index';
import type { Alert } from '#watch/alert';
import { evaluateAlerts, tightestThreshold } from '#watch/evaluate';
import { expiredPage, expiredWithin, expiringPage, expiringWithin, notInstalled } from '#watch/rules';
import { memorySink } from '../support/alert-ledger.ts';
import { licenseMaker, oneConnector } from '../support/data-sets.ts';
import { type Harness, harness } from '../support/ledger-harness.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const CID = 'c0ffee00c0ffee00c0ffee00';

let h: Harness;
const opened: Harness[] = [];
let clock = NOW;
afterEach(async () => {
  clock = NOW;
  for (const o of opened.splice(0)) await o.close();
});

const make = licenseMaker('a', {
  expires: new Date(NOW).toISOString(),
  created: new Date(NOW - 100 * DAY).toISOString(),
});
const license = (name: string, expiresIn: number, extra: Partial<LicenseRecord> = {}) =>
  make(name, { expires: new Date(NOW + expiresIn).toISOString(), ...extra });

const L = {
  exactly30: license('exactly30', 30 * DAY),
  thirtyAndAHalf: license('thirtyhalf', 30.5 * DAY),
  thirtyOne: license('thirtyone', 31 * DAY),
  halfDay: license('halfday', 0.5 * DAY),
  fiveDays: license('fivedays', 5 * DAY),
  justExpired: license('justexpired', -60_000),
  expired30: license('expired30', -30 * DAY),
  expired31: license('expired31', -31 * DAY),
  farAway: license('faraway', 400 * DAY),
  notInstalledOld: license('niold', 200 * DAY, {
    created: new Date(NOW - 7 * DAY - 1).toISOString(),
    user: { email: 'niold@example.com' },
    _integrationId: undefined,
  }),
  notInstalledExactly7: license('ni7', 200 * DAY, {
    created: new Date(NOW - 7 * DAY).toISOString(),
    user: { email: 'ni7@example.com' },
    _integrationId: undefined,
  }),
  doomed: license('doomed', 3 * DAY),
};
for (const l of Object.values(L)) if (l._integrationId === undefined) delete l._integrationId;

async function start(records: LicenseRecord[] = Object.values(L)) {
  h = await harness({
    dataSet: oneConnector(CID, 'Test Connector', records, NOW),
    now: () => new Date(clock),
  });
  opened.push(h);
  await h.sync();
}

const ids = (views: { id: string }[]) => views.map((v) => v.id).sort();
const sorted = (...ls: LicenseRecord[]) => ls.map((l) => l._id).sort();

describe('rules', () => {
  it('expiring: 0 <= whole days to expiry <= N, by the floor of fractional days; deleted licenses excluded', async () => {
    await start();
    h.emu.deleteLicense(CID, L.doomed._id);
    await h.sync();
    const views = await expiringWithin(h.ledger, 30);
    expect(ids(views)).toEqual(sorted(L.exactly30, L.thirtyAndAHalf, L.halfDay, L.fiveDays));
    expect(views.map((v) => v.daysToExpiry)).toEqual([0, 5, 30, 30]);
    expect(views.every((v) => v.expiry === 'expiring')).toBe(true);
    expect(ids(await expiringWithin(h.ledger, 0))).toEqual(sorted(L.halfDay));
  });

  it('expired: within the last N days, and not before it expired', async () => {
    await start();
    const views = await expiredWithin(h.ledger, 30);
    expect(ids(views)).toEqual(sorted(L.justExpired, L.expired30));
    expect(views.map((v) => v.expiry)).toEqual(['expired', 'expired']);
    expect(views.find((v) => v.id === L.justExpired._id)!.daysToExpiry).toBe(-1);
  });

  it('not-installed: created more than N days ago and not installed', async () => {
    await start();
    expect(ids(await notInstalled(h.ledger, 7))).toEqual(sorted(L.notInstalledOld));
    expect(ids(await notInstalled(h.ledger, 0))).toEqual(sorted(L.notInstalledOld, L.notInstalledExactly7));
    // Installing it takes it out of the report.
    h.emu.mutateLicense(CID, L.notInstalledOld._id, {
      user: { email: 'niold@example.com', _id: 'd'.repeat(24), name: 'N' },
      _integrationId: 'e'.repeat(24),
    });
    await h.sync();
    expect(ids(await notInstalled(h.ledger, 0))).toEqual(sorted(L.notInstalledExactly7));
  });

  it('pages the expiry reports in the index: the pages put together are the whole report', async () => {
    const many = Array.from({ length: 23 }, (_, i) =>
      license(`p${i}`, ((i % 7) + 0.25) * DAY - (i % 3) * 45 * DAY),
    );
    await start([...Object.values(L), ...many]);
    for (const [whole, paged] of [
      [
        () => expiringWithin(h.ledger, 30),
        (cursor?: string) => expiringPage(h.ledger, 30, { limit: 4, cursor }),
      ],
      [
        () => expiredWithin(h.ledger, 60),
        (cursor?: string) => expiredPage(h.ledger, 60, { limit: 4, cursor }),
      ],
    ] as const) {
      const all: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await paged(cursor);
        expect(page.items.length).toBeLessThanOrEqual(4);
        all.push(...page.items.map((v) => v.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      const expected = (await whole()).map((v) => v.id);
      expect(all).toEqual(expected);
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.length / 4));
    }
  });

  it('picks the tightest threshold crossed', () => {
    const t = [30, 14, 7, 1, 0];
    expect([31, 30, 15, 14, 8, 5, 1, 0].map((d) => tightestThreshold(d, t))).toEqual([
      undefined,
      30,
      30,
      14,
      14,
      7,
      1,
      0,
    ]);
  });
});

describe('alerts', () => {
  it('raises one alert per crossing, for the tightest threshold, and nothing on a second run', async () => {
    await start([L.fiveDays, L.exactly30, L.farAway]);
    const sink = memorySink('memory');
    const first = await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    expect(first.items.map((a) => [a.licenseId, a.rule, a.threshold]).sort()).toEqual(
      [
        [L.exactly30._id, 'expiring', 30],
        [L.fiveDays._id, 'expiring', 7],
      ].sort(),
    );
    expect((await evaluateAlerts({ ledger: h.ledger, sinks: [sink] })).items).toEqual([]);
    // Four days later the five-day license has crossed 1 (and not yet 0): one more alert, for 1.
    clock = NOW + 4 * DAY;
    const later = await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    expect(later.items.map((a) => [a.licenseId, a.threshold])).toEqual([[L.fiveDays._id, 1]]);
    // Past expiry: one expired alert for that expiry date.
    clock = NOW + 6 * DAY;
    const expired = await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    expect(expired.items.map((a) => [a.licenseId, a.rule])).toEqual([[L.fiveDays._id, 'expired']]);
    expect(sink.got).toHaveLength(4);
    expect((await h.ledger.listAlerts({})).items).toHaveLength(4);
  });

  it('a renewal starts a new cycle', async () => {
    await start([L.fiveDays]);
    const sink = memorySink('memory');
    expect((await evaluateAlerts({ ledger: h.ledger, sinks: [sink] })).items).toHaveLength(1);
    h.emu.mutateLicense(CID, L.fiveDays._id, { expires: new Date(NOW + 20 * DAY).toISOString() });
    await h.sync();
    const renewed = await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    expect(renewed.items.map((a) => [a.threshold, a.expires])).toEqual([
      [30, new Date(NOW + 20 * DAY).toISOString()],
    ]);
  });

  it('raises not-installed once per license and deleted once per deletion', async () => {
    await start([L.notInstalledOld, L.doomed]);
    const sink = memorySink('memory');
    await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    h.emu.deleteLicense(CID, L.doomed._id);
    await h.sync();
    const after = await evaluateAlerts({ ledger: h.ledger, sinks: [sink] });
    expect(after.items.map((a) => [a.licenseId, a.rule])).toEqual([[L.doomed._id, 'deleted']]);
    expect((await evaluateAlerts({ ledger: h.ledger, sinks: [sink] })).items).toEqual([]);
    expect(sink.got.filter((a) => a.rule === 'not-installed').map((a) => a.licenseId)).toEqual([
      L.notInstalledOld._id,
    ]);
  });

  it('two evaluations at once raise each alert once', async () => {
    await start();
    const sink = memorySink('memory');
    const [a, b] = await Promise.all([
      evaluateAlerts({ ledger: h.ledger, sinks: [sink] }),
      evaluateAlerts({ ledger: h.ledger, sinks: [sink] }),
    ]);
    const all = [...a.items, ...b.items].map((x) => x.alertId);
    expect(new Set(all).size).toBe(all.length);
    expect(sink.got.map((x) => x.alertId).sort()).toEqual(all.sort());
    expect(all.length).toBeGreaterThan(4);
  });

  it('a webhook that fails then recovers gets each alert exactly once; the console is not held back', async () => {
    await start([L.fiveDays, L.halfDay, L.justExpired]);
    let failing = true;
    const received: { text: string; alertIds: string[]; alerts: Alert[] }[] = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (failing) {
        res.statusCode = 503;
        return res.end('down');
      }
      received.push(JSON.parse(body));
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=secret-in-url`;
    const lines: string[] = [];
    const sinks = () => [
      consoleSink((l) => lines.push(l)),
      webhookSink(url, { format: 'each', retries: 1, backoffMs: 5 }),
    ];
    try {
      const first = await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
      expect(first.items).toHaveLength(3);
      expect(first.items.every((a) => a.pendingSinks.join() === webhookSinkId(url))).toBe(true);
      expect(first.errors[0]!.message).toMatch(/503/);
      expect(first.errors[0]!.message).not.toContain('secret-in-url');
      expect(lines).toHaveLength(3);
      failing = false;
      const second = await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
      expect(second.items).toEqual([]);
      expect(second.retried).toBe(3);
      expect(second.pending).toBe(0);
      await evaluateAlerts({ ledger: h.ledger, sinks: sinks() });
      expect(received).toHaveLength(1);
      expect(received[0]!.alerts.map((a) => a.licenseId).sort()).toEqual(
        sorted(L.fiveDays, L.halfDay, L.justExpired),
      );
      expect(received[0]!.alertIds.sort()).toEqual(received[0]!.alerts.map((a) => a.alertId).sort());
      expect(received[0]!.text).toMatch(/3 alert/);
      expect(lines).toHaveLength(3); // the console got them once, at the first run
      expect((await h.ledger.listAlerts({})).items.every((a) => a.status === 'sent')).toBe(true);
    } finally {
      server.close();
    }
  });
});
