// `serve`, `emulator` and `demo` (`npm start`): the HTTP API, the Partner API emulator, and the whole job at once.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '#api/app';
import { evaluate } from '#app/alerts';
import type { AppContext } from '#app/context';
import { connectors as connectorsOf } from '#app/licenses';
import { report } from '#app/reports';
import { createPartnerApi } from '#celigo/client';
import type { LedgerStore } from '#ledger/store/port';
import { DEMO_TOKEN, DEMO_TOKEN_EU, startEmulator } from '#local/emulator/index';
import { customersAct, loadUpstream, saveUpstream } from '#local/emulator/scenario';
import { serveApp } from '#local/serve/server';
import type { Context } from '../context.ts';
import { log, renderTable } from '../output.ts';
import { untilSignal } from '../ports.ts';
import { runSync } from '../run.ts';

/** A few seconds of META reuse behind a long-running server: invisible to callers, fewer reads per view. */
const SERVER_META_CACHE_MS = 5_000;

export async function serve(ctx: Context, opts: { port: number; allowedHosts: string[] }) {
  // A bad accounts file fails now, not at the first write; clients are built on the first write only, so reads
  // work with no token and a write without one answers 503.
  const app = createApp({ ...(await ctx.app({ metaCacheMs: SERVER_META_CACHE_MS })), log });
  const server = await serveApp(app, { port: opts.port, allowedHosts: opts.allowedHosts, log });
  log(`licensewatch API on ${server.url} (dashboard ${server.url}/, OpenAPI ${server.url}/openapi.json)`);
  log('Ctrl-C to stop');
  await untilSignal();
  await server.close();
}

export async function emulator(opts: { port: number; latency: number; allowedHosts: string[] }) {
  const token = process.env.CELIGO_API_TOKEN || DEMO_TOKEN;
  const emu = await startEmulator({
    port: opts.port,
    token,
    accounts: [{ token: DEMO_TOKEN_EU, dataSet: 'demo-eu' }],
    latencyMs: opts.latency,
    allowedHosts: opts.allowedHosts,
    log,
  });
  log(
    `Partner API emulator on ${emu.url}: the US account's bearer token from CELIGO_API_TOKEN (default ${DEMO_TOKEN}), the EU account's ${DEMO_TOKEN_EU}`,
  );
  log('Ctrl-C to stop');
  await untilSignal();
  await emu.close();
}

export async function demo(
  ctx: Context,
  opts: { port: number; webhookUrl?: string; allowedHosts: string[] },
) {
  const dataDir = ctx.options.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const upstreamFile = join(dataDir, 'emulator-data.json');
  const returning = existsSync(upstreamFile);

  log('licensewatch demo: starting the Partner API emulator and the embedded DynamoDB Local...');
  const upstream = loadUpstream(upstreamFile, log);
  const emu = await startEmulator({
    token: DEMO_TOKEN,
    dataSet: upstream.us,
    accounts: [{ token: DEMO_TOKEN_EU, dataSet: upstream.eu }],
  });
  try {
    const activity = returning ? customersAct(emu) : [];
    saveUpstream(upstreamFile, emu);
    // Two partner accounts, as a partner with customers in both regions has: each its own client and rate budget.
    const clients = {
      us: createPartnerApi({ apiUrl: emu.url, token: DEMO_TOKEN }),
      eu: createPartnerApi({ apiUrl: emu.url, token: DEMO_TOKEN_EU }),
    };
    const app: AppContext<LedgerStore> = {
      ledger: await ctx.ledger({ metaCacheMs: SERVER_META_CACHE_MS }),
      accounts: Object.keys(clients),
      partnerApi: (name) => clients[name as keyof typeof clients],
    };
    log(`Partner API emulator: ${emu.url} (accounts us, eu) · store: ${(await ctx.openStore()).description}`);
    for (const note of activity) log(`since the last run: ${note}`);

    const { summary } = await runSync(app);
    const c = summary.counts;
    const connectors = await connectorsOf(app);
    const out: string[] = [''];
    const perAccount = app.accounts
      .map((name) => `${name} ${connectors.filter((x) => x.account === name).length}`)
      .join(', ');
    out.push(
      returning
        ? `Sync: ${connectors.length} connectors (${perAccount}), ${c.seen} licenses; since the last run: ${c.created} new, ${c.updated} changed, ${c.deleted} gone upstream.`
        : `Sync: ${connectors.length} connectors (${perAccount}), ${c.seen} licenses stored with their history.`,
    );

    const alerts = await evaluate(app, { console: () => undefined, webhookUrl: opts.webhookUrl });

    const soon = await report(app, 'expiring', { days: 7 });
    out.push('', `Expiring within 7 days (${soon.length}):`);
    out.push(
      renderTable(soon.slice(0, 8), [
        { header: 'EXPIRES', value: (l) => l.expires?.slice(0, 10) },
        { header: 'DAYS', value: (l) => l.daysToExpiry, align: 'right' },
        { header: 'EMAIL', value: (l) => l.email },
        {
          header: 'CONNECTOR',
          value: (l) => connectors.find((x) => x.id === l.connectorId)?.name ?? l.connectorId,
        },
      ]),
    );
    if (soon.length > 8) out.push(`  ... and ${soon.length - 8} more`);
    const waiting = await report(app, 'not-installed', { days: 7 });
    out.push('', `Created over 7 days ago, not installed yet (${waiting.length}):`);
    out.push(
      renderTable(waiting.slice(0, 8), [
        { header: 'CREATED', value: (l) => l.created?.slice(0, 10) },
        { header: 'EMAIL', value: (l) => l.email },
        { header: 'LICENSE', value: (l) => l.id },
      ]),
    );
    const byRule = new Map<string, number>();
    for (const a of alerts.items) byRule.set(a.rule, (byRule.get(a.rule) ?? 0) + 1);
    out.push(
      '',
      alerts.items.length === 0
        ? 'Alerts: none new (each alert is raised once; see GET /alerts for the history).'
        : `Alerts raised now: ${alerts.items.length} (${[...byRule].map(([r, n]) => `${n} ${r}`).join(', ')}).`,
    );

    const api = createApp({ ...app, log });
    const server = await serveApp(api, { port: opts.port, allowedHosts: opts.allowedHosts, log });
    out.push(
      '',
      `HTTP API and dashboard: ${server.url}/`,
      `  try: curl ${server.url}/reports/expiring?withinDays=30   ·   OpenAPI: ${server.url}/openapi.json`,
      `       curl '${server.url}/licenses?domain=acme-supply.example'   ·   curl '${server.url}/changes?since=7d&account=eu'`,
      'Ctrl-C to stop.',
    );
    process.stdout.write(`${out.join('\n')}\n`);
    await untilSignal();
    log('stopping...');
    await server.close();
  } finally {
    saveUpstream(upstreamFile, emu);
    await emu.close();
  }
}
