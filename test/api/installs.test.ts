// The install base and update pushes over HTTP: GET /installs (+ filters, paging), GET /connectors/{cid}/installs,
// POST /connectors/{cid}/pushes (201, 409 for a busy integration, 400 for bad bodies), GET /pushes, GET /pushes/{id},
// installedVersion on license views, and the OpenAPI document listing the routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEWEST_RELEASE } from '#local/emulator/index';
import { type ApiHarness, apiHarness, errorsOf } from '../support/api-harness.ts';

let h: ApiHarness;
let cid: string;
beforeAll(async () => {
  h = await apiHarness({ dataSet: { connectors: 2, licensesPerConnector: 30 } });
  cid = h.emu.connectors()[0]!._id;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

type Install = {
  integrationId: string;
  connectorId: string;
  outdated: boolean;
  version: string;
  sandbox: boolean;
  licenseId?: string;
  updateInProgress: boolean;
};

describe('installs over HTTP', { timeout: 60_000 }, () => {
  it('lists every install, page by page, and only outdated ones when asked', async () => {
    const all: Install[] = [];
    let next: string | undefined;
    do {
      const res = await h.call(`/installs?limit=10${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Install[]; nextCursor?: string };
      all.push(...page.items);
      next = page.nextCursor;
    } while (next);
    const upstream = h.emu.connectors().flatMap((c) => h.emu.installBase(c._id));
    expect(all).toHaveLength(upstream.length);
    const outdated = (await (await h.call('/installs?outdated=true&limit=1000')).json()) as {
      items: Install[];
    };
    expect(outdated.items.length).toBeGreaterThan(0);
    expect(outdated.items.every((i) => i.outdated)).toBe(true);
    expect(outdated.items.length).toBe(all.filter((i) => i.outdated).length);
    const one = (await (await h.call(`/connectors/${cid}/installs?limit=1000`)).json()) as {
      items: Install[];
    };
    expect(one.items.every((i) => i.connectorId === cid)).toBe(true);
    expect(one.items.length).toBe(h.emu.installBase(cid).length);
    expect((await h.call('/installs?connector=nope')).status).toBe(404);
    expect((await errorsOf(await h.call('/installs?outdated=yes')))[0]!.field).toBe('outdated');
  });

  it("a license view carries its integration's version", async () => {
    const install = (
      (await (await h.call(`/connectors/${cid}/installs`)).json()) as { items: Install[] }
    ).items.find((i) => i.licenseId)!;
    const view = (await (await h.call(`/licenses/${install.licenseId}`)).json()) as {
      installedVersion?: string;
    };
    expect(view.installedVersion).toBe(install.version);
  });

  it('pushes an update, refuses a second open push for the same integration (409), and lists it', async () => {
    const installs = (
      (await (await h.call(`/connectors/${cid}/installs?outdated=true`)).json()) as { items: Install[] }
    ).items.filter((i) => !i.updateInProgress);
    const target = installs[0]!;
    const res = await h.call(`/connectors/${cid}/pushes`, {
      method: 'POST',
      json: { integrations: [target.integrationId], sandboxFirst: true },
    });
    expect(res.status).toBe(201);
    const push = (await res.json()) as {
      id: string;
      integrations: { integrationId: string; state: string }[];
    };
    expect(res.headers.get('location')).toBe(`/pushes/${push.id}`);
    expect(push.integrations).toEqual([
      expect.objectContaining({ integrationId: target.integrationId, state: 'requested' }),
    ]);
    expect(
      h.emu.installBase(cid).find((r) => r._integrationId === target.integrationId)?.updateInProgress,
    ).toBe(true);

    const again = await h.call(`/connectors/${cid}/pushes`, {
      method: 'POST',
      json: { integrations: [target.integrationId] },
    });
    expect(again.status).toBe(409);
    expect((await errorsOf(again))[0]).toMatchObject({ code: 'push_conflict', field: 'integrations' });

    const got = await h.call(`/pushes/${push.id}`);
    expect(got.status).toBe(200);
    expect(((await got.json()) as { id: string }).id).toBe(push.id);
    const list = (await (await h.call('/pushes')).json()) as { items: { id: string }[] };
    expect(list.items.map((p) => p.id)).toContain(push.id);
    expect((await h.call('/pushes/20990101T000000000Z-abcdef')).status).toBe(404);
    expect((await h.call('/pushes/not-an-id')).status).toBe(400);
  });

  it('refuses bad push bodies and unknown integrations', async () => {
    const post = (json: unknown) => h.call(`/connectors/${cid}/pushes`, { method: 'POST', json });
    expect((await post({})).status).toBe(400);
    expect((await post({ integrations: ['a'], outdated: true })).status).toBe(400);
    expect((await post({ outdated: true, batchSize: 0 })).status).toBe(400);
    expect((await post({ outdated: true, extra: 1 })).status).toBe(400);
    const unknown = await post({ integrations: ['000000000000000000000000'] });
    expect(unknown.status).toBe(404);
    expect((await errorsOf(unknown))[0]!.code).toBe('unknown_integration');
  });

  it("the dashboard shows each connector's versions with its outdated count", async () => {
    const page = await (await h.call('/')).text();
    expect(page).toContain('<section id="versions">');
    const outdated = h.emu
      .installBase(cid)
      .filter((r) => r.version !== NEWEST_RELEASE && !r.updateInProgress);
    expect(outdated.length).toBeGreaterThan(0);
    expect(page).toContain(`outdated=true&amp;limit=1000">`);
    expect(page).toContain(`${NEWEST_RELEASE} (`);
  });

  it('documents the new routes', async () => {
    const doc = (await (await h.call('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths['/installs']!)).toContain('get');
    expect(Object.keys(doc.paths['/connectors/{cid}/installs']!)).toContain('get');
    expect(Object.keys(doc.paths['/connectors/{cid}/pushes']!)).toContain('post');
    expect(Object.keys(doc.paths['/pushes']!)).toContain('get');
    expect(Object.keys(doc.paths['/pushes/{id}']!)).toContain('get');
  });
});
