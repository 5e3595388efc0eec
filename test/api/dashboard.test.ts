// The dashboard at GET /: server-rendered from a synced demo ledger, escaped, and drawn by headless Chromium.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '#watch/evaluate';
import { type ApiHarness, apiHarness, NOW } from '../support/api-harness.ts';
import { smallDemo } from '../support/demo-data.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const HOSTILE_NAME = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const HOSTILE_EMAIL = 'mallory+<b>bold</b>@example.com';

let h: ApiHarness;
let connectorName: string;

beforeAll(async () => {
  h = await apiHarness({ dataSet: smallDemo(NOW), sync: false });
  const connector = h.emu.connectors()[0]!;
  connectorName = connector.name;
  // Expiring in 10 days and not installed: it shows in the 30-day window and the not-installed table.
  h.emu.addLicense(connector._id, {
    expires: new Date(Date.parse('2026-06-25T18:29:59.999Z')).toISOString(),
    created: '2026-05-01T00:00:00.000Z',
    user: { email: HOSTILE_EMAIL, name: HOSTILE_NAME },
  });
  await h.sync();
  await evaluateAlerts({
    ledger: h.ledger,
    sinks: [{ id: 'test', deliver: async ({ alerts, accepted }) => accepted(alerts.map((a) => a.alertId)) }],
  });
}, 120_000);
afterAll(() => h?.close());

describe('GET / (HTML)', () => {
  it('renders every section from the ledger, with data escaped and no script at all', async () => {
    const res = await h.call('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    for (const id of ['chart', 'connectors', 'expiring', 'not-installed', 'alerts'])
      expect(page).toContain(`<section id="${id}">`);
    expect(page).toContain(connectorName);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(page).toContain('mallory+&lt;b&gt;bold&lt;/b&gt;@example.com');
    expect(page.match(/<rect class="bar"/g)).toHaveLength(12);
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // no external assets
  });
});

/** Distinct byte values in a PNG's decompressed pixel rows: a blank page has a handful. */
function pixelVariety(png: Buffer): { width: number; height: number; distinct: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.subarray(at + 4, at + 8).toString('latin1') === 'IDAT')
      idat.push(png.subarray(at + 8, at + 8 + length));
    at += length + 12;
  }
  return { width, height, distinct: new Set(inflateSync(Buffer.concat(idat))).size };
}

describe('GET / in headless Chromium', () => {
  it.skipIf(!HAVE_CHROMIUM)(
    `renders data, a chart with bars, runs no injected script, and paints a non-blank page${HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`}`,
    async () => {
      const profile = mkdtempSync(join(tmpdir(), 'licensewatch-chromium-'));
      const browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 900 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage();
        const outside: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(h.server.url)) outside.push(r.url());
        });
        const response = await page.goto(`${h.server.url}/`, { waitUntil: 'load' });
        expect(response?.status()).toBe(200);

        await expect.poll(() => page.locator('#connectors').textContent()).toContain(connectorName);
        expect(await page.locator('#not-installed').textContent()).toContain(HOSTILE_NAME);
        expect(await page.locator('#expiring details[open]').textContent()).toContain(HOSTILE_EMAIL);
        expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await page.locator('script, img').count()).toBe(0);
        expect(await page.locator('#alerts tbody tr').count()).toBeGreaterThan(0);
        // Every live license the emulator lists (the demo trimmed for tests: a few hundred).
        const live = h.emu.connectors().reduce((n, c) => n + h.emu.licenses(c._id).length, 0);
        expect(live).toBeGreaterThan(200);
        expect(Number(await page.locator('#tile-live .n').textContent())).toBe(live);

        expect(await page.locator('#expiry-chart').isVisible()).toBe(true);
        const bars = await page.locator('#expiry-chart rect.bar').evaluateAll((rects) =>
          rects.map((r) => ({
            count: Number(r.getAttribute('data-count')),
            height: r.getBoundingClientRect().height,
          })),
        );
        expect(bars).toHaveLength(12);
        expect(bars.filter((b) => b.height > 0).length).toBeGreaterThan(6);
        for (const bar of bars) expect(bar.height > 0).toBe(bar.count > 0);

        writeFileSync(join(tmpdir(), 'licensewatch-dashboard-top.png'), await page.screenshot());
        const png = await page.screenshot({ fullPage: true });
        const shot = join(tmpdir(), 'licensewatch-dashboard.png');
        writeFileSync(shot, png);
        const { width, height, distinct } = pixelVariety(png);
        expect(width).toBe(1280);
        expect(height).toBeGreaterThan(900);
        expect(distinct).toBeGreaterThan(100);
        expect(outside).toEqual([]);
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
