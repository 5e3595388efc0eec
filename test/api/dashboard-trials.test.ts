// The dashboard's trials: those ending soon (production and sandbox told apart) and this month's conversions, from a
// synced demo ledger in which a customer converts a trial.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trialsEndingWithin } from '#watch/trial-rules';
import { type ApiHarness, apiHarness, NOW } from '../support/api-harness.ts';
import { smallDemo } from '../support/demo-data.ts';

let h: ApiHarness;
let convertedId: string;
const HOSTILE = 'trial+<b>x</b>@example.com';

beforeAll(async () => {
  h = await apiHarness({ dataSet: smallDemo(NOW), sync: false });
  const app = h.emu.connectors().find((c) => c.name.includes('Integration App'))!;
  h.emu.addLicense(app._id, {
    user: { email: HOSTILE },
    trialEndDate: '2026-06-18T18:29:59.999Z',
    type: 'integrationApp',
    sandbox: true,
  });
  await h.sync();
  const trial = h.emu
    .licenses(app._id)
    .find(
      (l) => typeof l.trialEndDate === 'string' && Date.parse(l.trialEndDate) > Date.parse('2026-06-16'),
    )!;
  convertedId = trial._id;
  h.emu.mutateLicense(app._id, trial._id, { trialEndDate: undefined, expires: '2027-06-15T18:29:59.999Z' });
  await h.sync();
}, 120_000);
afterAll(() => h?.close());

describe('GET / trials', { timeout: 120_000 }, () => {
  it('lists trials ending within 14 days and the conversions of this month, escaped', async () => {
    const page = await (await h.call('/')).text();
    expect(page).toContain('<section id="trials">');
    const ending = await trialsEndingWithin(h.ledger, 14);
    expect(ending.length).toBeGreaterThan(0);
    expect(page).toContain(`Trials ending within 14 days (${ending.length})`);
    expect(page).toContain('Converted this month (1)');
    const conversions = page.slice(page.indexOf('id="conversions"'));
    expect(conversions).toContain(convertedId);
    expect(page).toContain('trial+&lt;b&gt;x&lt;/b&gt;@example.com');
    expect(page).toMatch(/<td>sandbox<\/td>/);
    expect(page).toMatch(/<td>production<\/td>/);
    // Another account's page has none of them.
    const eu = await (await h.call('/?account=nope')).text();
    expect(eu).not.toContain(convertedId);
  });
});
