// `installs`, `push-update`, `pushes`: parse, one use case call (functions/app), print.
import { installsCsv } from '#api/csv';
import * as installsApp from '#app/installs';
import * as pushesApp from '#app/pushes';
import type { InstallView, PushView } from '#ledger/install-schemas';
import type { Context } from '../context.ts';
import { CliError, formatOf, log, printJson, printTable } from '../output.ts';

export async function installs(
  ctx: Context,
  opts: { connector?: string; outdated?: boolean; account?: string; json?: boolean; csv?: boolean },
) {
  const format = formatOf(opts);
  const ledger = await ctx.ledger();
  const accounts = opts.account ? await ctx.accountNames() : undefined;
  const items: InstallView[] = [];
  let cursor: string | undefined;
  do {
    const page = await installsApp.listInstalls(ledger, {
      connectorId: opts.connector,
      outdated: opts.outdated,
      account: opts.account,
      accounts,
      limit: 1000,
      cursor,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (format === 'json') return printJson({ items });
  if (format === 'csv') return void process.stdout.write(installsCsv(items));
  printTable(
    items,
    [
      { header: 'INTEGRATION', value: (i) => i.integrationId },
      { header: 'CONNECTOR', value: (i) => i.connectorId },
      { header: 'EMAIL', value: (i) => i.email },
      { header: 'VERSION', value: (i) => i.version },
      { header: 'OUTDATED', value: (i) => (i.outdated ? 'yes' : 'no') },
      { header: 'SANDBOX', value: (i) => (i.sandbox ? 'yes' : 'no') },
      { header: 'UPDATING', value: (i) => (i.updateInProgress ? 'yes' : '') },
      { header: 'LICENSE', value: (i) => i.licenseId },
    ],
    '(no installs: run `licensewatch sync` first)',
  );
}

function printPush(push: PushView): void {
  printTable(push.integrations, [
    { header: 'BATCH', value: (i) => i.batch + 1, align: 'right' },
    { header: 'INTEGRATION', value: (i) => i.integrationId },
    { header: 'SANDBOX', value: (i) => (i.sandbox ? 'yes' : 'no') },
    { header: 'FROM', value: (i) => i.fromVersion },
    { header: 'TO', value: (i) => i.toVersion },
    { header: 'STATE', value: (i) => i.state },
  ]);
}

export async function pushUpdate(
  ctx: Context,
  connectorId: string,
  opts: {
    integration?: string[];
    outdated?: boolean;
    sandboxFirst?: boolean;
    batchSize?: number;
    yes?: boolean;
    json?: boolean;
  },
) {
  const ledger = await ctx.ledger();
  const request = {
    integrations: opts.integration,
    outdated: opts.outdated,
    sandboxFirst: opts.sandboxFirst,
    batchSize: opts.batchSize,
    dryRun: !opts.yes,
  };
  // A refusal (an AppError) is main.ts's one line: a conflict (a busy integration) exits 2, anything else 1.
  const push = await pushesApp.createPush(
    { ledger, partnerApi: (account) => ctx.partnerApi(account) },
    connectorId,
    request,
  );
  if (opts.json) printJson(push);
  else printPush(push);
  const batches = new Set(push.integrations.map((i) => i.batch)).size;
  if (!opts.yes) {
    log(
      `would push an update of connector ${connectorId} to ${push.integrations.length} integration(s) in ${batches} batch(es); run again with --yes to push it`,
    );
    throw new CliError('not_confirmed', 'nothing pushed without --yes', 1);
  }
  log(
    `push ${push.id}: batch 1 of ${batches} requested; each \`licensewatch sync\` advances it (\`licensewatch pushes ${push.id}\`)`,
  );
}

export async function pushes(ctx: Context, pushId: string | undefined, opts: { json?: boolean }) {
  const ledger = await ctx.ledger();
  if (pushId) {
    const push = await pushesApp.getPush(ledger, pushId);
    if (opts.json) return printJson(push);
    log(`push ${push.id} of connector ${push.connectorId}, ${push.createdAt}: ${push.status}`);
    return printPush(push);
  }
  const items: PushView[] = [];
  let cursor: string | undefined;
  do {
    const page = await pushesApp.listPushes(ledger, { limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (opts.json) return printJson({ items });
  printTable(
    items,
    [
      { header: 'PUSH', value: (p) => p.id },
      { header: 'CONNECTOR', value: (p) => p.connectorId },
      { header: 'CREATED', value: (p) => p.createdAt },
      { header: 'STATUS', value: (p) => p.status },
      {
        header: 'UPDATED',
        value: (p) =>
          `${p.integrations.filter((i) => i.state === 'updated').length}/${p.integrations.length}`,
      },
      {
        header: 'STUCK',
        value: (p) => p.integrations.filter((i) => i.state === 'stuck').length,
        align: 'right',
      },
    ],
    '(no pushes)',
  );
}
