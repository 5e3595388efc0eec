// `installs`, `push-update` and `pushes` end to end: the built CLI against the emulator over HTTP and a DynamoDB
// endpoint: a dry run without --yes exits 1, a push is recorded and requested, a second one for the same
// integration is refused, and the next sync advances it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const TOKEN = 'cli-installs-token-0123';
let emu: Emulator;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, dataSet: { connectors: 2, licensesPerConnector: 30 } });
  emu.setUpdateDelay(0);
  env = {
    CELIGO_API_TOKEN: TOKEN,
    CELIGO_API_URL: emu.url,
    LICENSEWATCH_ACCOUNTS_FILE: '',
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `cli-installs-${randomBytes(4).toString('hex')}`,
  };
}, 60_000);
afterAll(async () => {
  await emu?.close();
});

type Install = {
  integrationId: string;
  connectorId: string;
  outdated: boolean;
  updateInProgress: boolean;
  sandbox: boolean;
};

describe('installs and push-update through the CLI', { timeout: 180_000 }, () => {
  it('lists installs, outdated ones, as JSON and CSV; the sync run reports its install base', async () => {
    const sync = await cli(['sync', '--json'], env);
    expect(sync.code, sync.stderr).toBe(0);
    const run = JSON.parse(sync.stdout) as { connectors: { installBase?: { status: string } }[] };
    expect(run.connectors.every((c) => c.installBase?.status === 'completed')).toBe(true);
    const all = JSON.parse((await cli(['installs', '--json'], env)).stdout) as { items: Install[] };
    const upstream = emu.connectors().flatMap((c) => emu.installBase(c._id));
    expect(all.items).toHaveLength(upstream.length);
    const cid = emu.connectors()[0]!._id;
    const outdated = await cli(['installs', '--connector', cid, '--outdated', '--json'], env);
    const items = (JSON.parse(outdated.stdout) as { items: Install[] }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.outdated && i.connectorId === cid)).toBe(true);
    const csv = await cli(['installs', '--csv'], env);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^integrationId,connectorId,account,email/);
    const table = await cli(['installs', '--outdated'], env);
    expect(table.stdout).toMatch(/INTEGRATION\s+CONNECTOR\s+EMAIL\s+VERSION\s+OUTDATED/);
  });

  it('push-update: a dry run exits 1, --yes pushes, a second push is refused, the next sync finishes it', async () => {
    const cid = emu.connectors()[0]!._id;
    const items = (
      JSON.parse((await cli(['installs', '--connector', cid, '--outdated', '--json'], env)).stdout) as {
        items: Install[];
      }
    ).items.filter((i) => !i.updateInProgress);
    const target = items[0]!.integrationId;

    const dry = await cli(['push-update', cid, '--integration', target], env);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain(target);
    expect(dry.stderr).toMatch(/--yes/);
    expect(emu.requests().filter((r) => r.path.endsWith('/update'))).toHaveLength(0);

    const pushed = await cli(
      ['push-update', cid, '--integration', target, '--sandbox-first', '--yes', '--json'],
      env,
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    const push = JSON.parse(pushed.stdout) as { id: string; integrations: { state: string }[] };
    expect(push.integrations.map((i) => i.state)).toEqual(['requested']);
    expect(emu.requests().filter((r) => r.path.endsWith('/update'))).toHaveLength(1);

    const again = await cli(['push-update', cid, '--integration', target, '--yes'], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/already have an open push/);

    const bad = await cli(['push-update', cid, '--outdated', '--batch-size', '0', '--yes'], env);
    expect(bad.code).not.toBe(0);

    expect((await cli(['sync'], env)).code).toBe(0);
    const shown = await cli(['pushes', push.id, '--json'], env);
    const after = JSON.parse(shown.stdout) as { status: string; integrations: { state: string }[] };
    // The emulator finishes updates at once here, unless this integration is one whose update never completes.
    expect(['updated', 'in-progress']).toContain(after.integrations[0]!.state);
    const list = await cli(['pushes', '--json'], env);
    expect((JSON.parse(list.stdout) as { items: { id: string }[] }).items.map((p) => p.id)).toContain(
      push.id,
    );
  });
});
