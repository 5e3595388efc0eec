// `npm start`: the whole job on a laptop — emulator, embedded store, sync, alerts, a short report, the HTTP API.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { consoleSink } from '#alerts/console';
import type { AlertSink } from '#alerts/types';
import { webhookSink } from '#alerts/webhook';
import { createApp } from '#api/app';
import { createPartnerApi } from '#celigo/client';
import { listConnectors } from '#ledger/queries';
import { getRun } from '#ledger/runs';
import { planSync, runPlan } from '#ledger/sync';
import { type DataSet, demoDataSet, type Emulator, startEmulator } from '#local/emulator/index';
import { allowedHostOption, allowedHostsOf } from '#local/serve/hosts';
import { serveApp } from '#local/serve/server';
import { evaluateAlerts } from '#watch/evaluate';
import { expiringWithin, notInstalled } from '#watch/rules';
import type { Context } from '../context.ts';
import { log, renderTable } from '../output.ts';
import { progressLine } from '../progress.ts';
import { parsePort, untilSignal } from './emulator.ts';
import { openLedger } from './ledger.ts';

const DEMO_TOKEN = 'local-dev-token';

/** The emulator's licenses are kept beside the ledger, so a second start sees the same upstream and only what changed. */
function loadUpstream(file: string): DataSet {
  const fresh = demoDataSet(new Date());
  if (!existsSync(file)) return fresh;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Pick<DataSet, 'connectors' | 'licenses'>;
    return { ...fresh, connectors: saved.connectors, licenses: saved.licenses };
  } catch {
    log(`could not read ${file}; starting the emulator with fresh demo data`);
    return fresh;
  }
}

function saveUpstream(file: string, emu: Emulator): void {
  const connectors = emu.connectors();
  const licenses = Object.fromEntries(connectors.map((c) => [c._id, emu.licenses(c._id)]));
  writeFileSync(file, JSON.stringify({ connectors, licenses }));
}

/** Between two demo runs the "customers" act: one renews a license about to lapse, one installs theirs. */
function customersAct(emu: Emulator): string[] {
  const now = Date.now();
  const notes: string[] = [];
  for (const c of emu.connectors()) {
    const licenses = emu.licenses(c._id);
    const lapsing = licenses.find((l) => {
      const days = (Date.parse(l.expires) - now) / 86_400_000;
      return days > 0 && days < 30;
    });
    if (lapsing && notes.length === 0) {
      const renewed = new Date(Date.parse(lapsing.expires) + 365 * 86_400_000).toISOString();
      emu.mutateLicense(c._id, lapsing._id, { expires: renewed });
      notes.push(`${lapsing.user.email} renewed license ${lapsing._id} until ${renewed.slice(0, 10)}`);
    }
    const waiting = licenses.find((l) => !l.user._id && !l._integrationId);
    if (waiting && notes.length === 1) {
      const id = (n: number) =>
        (BigInt(`0x${waiting._id}`) + BigInt(n)).toString(16).padStart(24, '0').slice(-24);
      emu.mutateLicense(c._id, waiting._id, {
        user: { ...waiting.user, _id: id(1), name: 'New Customer' },
        _integrationId: id(2),
      });
      notes.push(`${waiting.user.email} installed license ${waiting._id}`);
    }
  }
  return notes;
}

export function registerDemo(program: Command, context: () => Context): void {
  program
    .command('demo')
    .description('npm start: emulator + embedded store + sync + alerts + the HTTP API, until Ctrl-C')
    .addOption(
      new Option('--port <n>', 'port for the HTTP API').env('PORT').default(3000).argParser(parsePort),
    )
    .addOption(
      new Option('--webhook-url <url>', 'also send new alerts to this webhook').env('ALERT_WEBHOOK_URL'),
    )
    .addOption(allowedHostOption())
    .action(async (opts: { port: number; webhookUrl?: string }, command: Command) => {
      // Checked before anything starts, so a bad value fails at once. They apply to the HTTP API; the demo's
      // emulator is for this process alone and answers only its loopback names.
      const allowedHosts = allowedHostsOf(command);
      const ctx = context();
      const dataDir = ctx.options.dataDir;
      mkdirSync(dataDir, { recursive: true });
      const upstreamFile = join(dataDir, 'emulator-data.json');
      const returning = existsSync(upstreamFile);

      log('licensewatch demo: starting the Partner API emulator and the embedded DynamoDB Local...');
      const emu = await startEmulator({ token: DEMO_TOKEN, dataSet: loadUpstream(upstreamFile) });
      try {
        const activity = returning ? customersAct(emu) : [];
        saveUpstream(upstreamFile, emu);
        const api = createPartnerApi({ apiUrl: emu.url, token: DEMO_TOKEN });
        const ledger = await openLedger(ctx, { metaCacheMs: 5_000 });
        log(`Partner API emulator: ${emu.url} · store: ${(await ctx.openStore()).description}`);
        for (const note of activity) log(`since the last run: ${note}`);

        const progress = progressLine();
        const plan = await planSync({ ledger, api });
        let pages = 0;
        await runPlan(
          { ledger, api, onPage: () => progress.update(`syncing: ${++pages} page(s) read`) },
          plan,
        ).finally(() => progress.done());
        const run = await getRun(ledger, plan.runId);
        const c = run!.counts;
        const connectors = await listConnectors(ledger);
        const out: string[] = [''];
        out.push(
          returning
            ? `Sync: ${connectors.length} connectors, ${c.seen} licenses; since the last run: ${c.created} new, ${c.updated} changed, ${c.deleted} gone upstream.`
            : `Sync: ${connectors.length} connectors, ${c.seen} licenses stored with their history.`,
        );

        const sinks: AlertSink[] = [consoleSink(() => undefined)];
        if (opts.webhookUrl) sinks.push(webhookSink(opts.webhookUrl));
        const alerts = await evaluateAlerts({ ledger, sinks });

        const soon = await expiringWithin(ledger, 7);
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
        const waiting = await notInstalled(ledger, 7);
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

        const app = createApp({ ledger, partnerApi: () => api, log });
        const server = await serveApp(app, { port: opts.port, allowedHosts, log });
        out.push(
          '',
          `HTTP API and dashboard: ${server.url}/`,
          `  try: curl ${server.url}/reports/expiring?withinDays=30   ·   OpenAPI: ${server.url}/openapi.json`,
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
    });
}
