// Odd upstream records (issue 20.3): what the ledger does not interpret is kept exactly, and a license the table
// refuses is reported with its id and tried again, never holding back its page, its connector or our API.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { allLicenses, getLicense } from '#ledger/queries';
import { type Harness, harness } from '../support/ledger-harness.ts';

let h: Harness;
afterEach(async () => h?.close());

const app = () => createApp({ ledger: h.ledger, partnerApi: () => h.api, log: () => undefined });
const send = (method: string, path: string, json?: unknown) =>
  app().request(path, {
    method,
    ...(json === undefined
      ? {}
      : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
  });

/** Nested `depth` levels deep. */
const deep = (depth: number): unknown => (depth === 0 ? { end: true } : { d: deep(depth - 1) });
/**
 * Add-on licenses DynamoDB cannot hold natively (past 2^53, 40 levels deep, unicode and empty keys, empty objects),
 * in the shape our API takes (`type`, `licenses[].addOnEdition`, anything else beside).
 */
const oddAddons = () => [
  {
    type: 'unlimited',
    seats: 2 ** 60,
    big: 1e21,
    tiny: 5e-324,
    licenses: [{ addOnEdition: 'x', nested: deep(40), 'ключ 🔑': 'värde', '': 'empty key', 'a.b[0]': {} }],
  },
  { type: 'empty', licenses: [], meta: {}, list: [[], {}, null, true, -0.5, 'x'] },
];

async function ledgerState(cid: string) {
  const out: Record<string, unknown> = {};
  for await (const view of allLicenses(h.ledger, { connectorId: cid })) out[view.id] = view.raw;
  return out;
}
const upstreamState = (cid: string) => Object.fromEntries(h.emu.licenses(cid).map((l) => [l._id, l]));

describe('odd records never hold back their page', () => {
  it('add-on licenses past 2^53, 40 levels deep, with unicode keys and empty objects are kept exactly', async () => {
    h = await harness({ pageSize: 50, dataSet: { connectors: 1, licensesPerConnector: 120 } });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const list = h.emu.licenses(cid);
    const odd = list[3]!;
    h.emu.mutateLicense(cid, odd._id, {
      opts: { connectorEdition: 'odd', addonLicenses: oddAddons() },
      extra: { deep: deep(50), '🙂': {}, huge: 2 ** 64 },
    } as never);
    const fresh = h.emu.addLicense(cid, { opts: { addonLicenses: oddAddons() } } as never);
    const run = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(run.status).toBe('completed');
    expect(run.refused).toBeUndefined();
    expect(run.counts).toMatchObject({ created: 1, updated: 1 });
    for (const id of [odd._id, fresh._id]) {
      const view = (await getLicense(h.ledger, id))!;
      const upstream = h.emu.licenses(cid).find((l) => l._id === id)!;
      expect(view.raw).toEqual(upstream);
      expect(view.addonLicenses).toEqual(oddAddons());
      expect((await h.history(id))[0]!.license).toEqual(upstream);
    }
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  }, 120_000);

  it('a license the table refuses (over 400 KB) is reported with its id, the rest of its page is recorded, and the next sync tries it again', async () => {
    h = await harness({ pageSize: 50, dataSet: { connectors: 1, licensesPerConnector: 120 } });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const list = h.emu.licenses(cid);
    const big = list[10]!;
    h.emu.mutateLicense(cid, big._id, { extra: 'x'.repeat(420_000) } as never);
    h.emu.mutateLicense(cid, list[11]!._id, { expires: '2031-11-11T00:00:00.000Z' });
    const gone = list[100]!._id;
    h.emu.deleteLicense(cid, gone);
    const run = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(run.status).toBe('completed');
    expect(run.refused!.count).toBe(1);
    expect(run.refused!.licenses[0]).toMatchObject({ licenseId: big._id, code: 'item_refused' });
    expect((await getLicense(h.ledger, list[11]!._id))!.expires).toBe('2031-11-11T00:00:00.000Z');
    expect((await getLicense(h.ledger, gone))!.deletedAt).toBeDefined();
    // Page one is compared again next time, and the license is recorded once it fits.
    const again = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(again.refused!.licenses[0]!.licenseId).toBe(big._id);
    expect(again.pagesUnchanged).toBe(2);
    h.emu.mutateLicense(cid, big._id, { extra: 'fits' } as never);
    const fixed = (await h.sync()).find((r) => r.connectorId === cid)!;
    expect(fixed.refused).toBeUndefined();
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  }, 120_000);

  it('PUT and POST through our API with such opts answer 200 and 201, and the ledger keeps them exactly', async () => {
    h = await harness({ dataSet: { connectors: 1, licensesPerConnector: 20 } });
    await h.sync();
    const cid = h.emu.connectors()[0]!._id;
    const target = h.emu.licenses(cid)[0]!;
    const opts = { connectorEdition: 'odd', addonLicenses: oddAddons() };
    const put = await send('PUT', `/connectors/${cid}/licenses/${target._id}`, { opts });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(((await put.json()) as { addonLicenses: unknown }).addonLicenses).toEqual(oddAddons());
    const post = await send('POST', `/connectors/${cid}/licenses`, {
      email: target.user.email,
      expires: '2030-01-01',
      opts,
    });
    expect(post.status, await post.clone().text()).toBe(201);
    const { id } = (await post.json()) as { id: string };
    expect((await getLicense(h.ledger, id))!.raw).toEqual(h.emu.licenses(cid).find((l) => l._id === id));
    await h.sync();
    expect(await ledgerState(cid)).toEqual(upstreamState(cid));
  }, 120_000);
});
