// The dashboard page: server-rendered HTML with inline CSS; every value from data goes through hono/html's escaping.
import { html, raw } from 'hono/html';
import { type DashboardData, RECENT_ALERTS, RECENT_CHANGE_DAYS } from '#app/dashboard';
import type { LicenseView } from '#ledger/schemas';
import { expiryChart } from './chart.ts';
import { atRiskTable, renewalChart } from './timeline.ts';
import { trialsSection } from './trials.ts';
import { versionsSection } from './versions.ts';

/** Rows per table; the reports (linked) have the rest. */
export const TABLE_ROWS = 25;

const STYLE = `
  :root { color-scheme: light; --ink:#1d2433; --muted:#5b6475; --line:#e3e7ee; --accent:#2f6fdf; --warn:#b4580b; --bad:#b42318; --ok:#15803d; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fb; }
  header { background: #16213a; color: #fff; padding: 14px 28px; display: flex; align-items: baseline; gap: 18px; flex-wrap: wrap; }
  header h1 { font-size: 20px; margin: 0; letter-spacing: .3px; }
  header .meta { color: #b9c3d6; font-size: 13px; }
  header nav { margin-left: auto; font-size: 13px; }
  header nav a { color: #cfe0ff; margin-left: 14px; }
  main { padding: 20px 28px 40px; max-width: 1280px; margin: 0 auto; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 18px; }
  .tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .tile .n { font-size: 26px; font-weight: 650; }
  .tile .l { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin-bottom: 18px; }
  section h2 { font-size: 16px; margin: 0 0 10px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
  td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 150px; }
  section { overflow-x: auto; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  code { font-size: 12px; color: var(--muted); }
  details { margin: 6px 0; }
  summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
  .empty, .more { color: var(--muted); font-style: italic; }
  .st-expired, .st-failed { color: var(--bad); font-weight: 600; }
  .st-expiring, .st-pending { color: var(--warn); font-weight: 600; }
  .st-ok, .st-completed, .st-sent { color: var(--ok); }
  svg .bar, svg .renewed { fill: var(--accent); }
  svg .expired { fill: var(--warn); }
  svg .grid { stroke: var(--line); }
  svg text { font-size: 11px; fill: var(--muted); }
  svg text.count { fill: var(--ink); font-weight: 600; }
  form.search { display: flex; gap: 8px; margin-bottom: 18px; }
  form.search input[type=search] { flex: 1; max-width: 420px; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
  form.search button { padding: 7px 14px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
  .accounts a { margin-right: 10px; }
  .accounts a.current { font-weight: 700; color: var(--ink); text-decoration: none; }
  .error { color: var(--bad); font-weight: 600; }
`;

const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '');
const day = (iso: string | undefined) => iso?.slice(0, 10) ?? '';

/** The one column that differs between tables: expiry status when expiring, creation date when not installed. */
type Extra = 'status' | 'created';

function licenseTable(
  items: LicenseView[],
  names: Map<string, string>,
  extra: Extra,
  more: { href: string; label: string },
) {
  if (items.length === 0) return html`<p class="empty">None.</p>`;
  const rows = items.slice(0, TABLE_ROWS).map(
    (l) => html`<tr>
      <td>${l.email ?? ''}</td><td class="wrap">${l.userName ?? ''}</td><td>${names.get(l.connectorId) ?? l.connectorId}</td>
      <td>${l.edition ?? ''}</td><td>${day(l.expires)}</td><td class="num">${l.daysToExpiry ?? ''}</td>
      ${extra === 'status' ? statusCell(l) : html`<td>${day(l.created)}</td>`}
      <td><code>${l.id}</code></td>
    </tr>`,
  );
  const rest = items.length - TABLE_ROWS;
  return html`<table>
    <thead><tr><th>Email</th><th>User</th><th>Connector</th><th>Edition</th><th>Expires</th><th class="num">Days</th><th>${extra === 'status' ? 'Status' : 'Created'}</th><th>License</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
  ${rest > 0 ? html`<p class="more">…and ${rest} more: <a href="${more.href}">${more.label}</a></p>` : ''}`;
}

const statusCell = (l: LicenseView) =>
  l.deletedAt
    ? html`<td class="st-expired">gone upstream</td>`
    : html`<td class="st-${l.expiry ?? 'none'}">${l.expiry ?? ''}</td>`;

/** `?account=NAME` to keep to the page's account, or nothing; `first` picks `?` or `&`. */
const accountParam = (data: DashboardData, first: '?' | '&') =>
  data.account ? `${first}account=${encodeURIComponent(data.account)}` : '';

function accountLinks(data: DashboardData) {
  if (data.accounts.length < 2) return '';
  const link = (name: string | undefined, label: string) =>
    html`<a class="${data.account === name ? 'current' : ''}" href="/${name ? `?account=${encodeURIComponent(name)}` : ''}">${label}</a>`;
  return html`<p class="accounts">Partner accounts: ${link(undefined, 'all')}${data.accounts.map((a) => link(a, a))}</p>`;
}

function searchForm(data: DashboardData) {
  return html`<form class="search" method="get" action="/" role="search">
    <input type="search" name="q" value="${data.search?.term ?? ''}" placeholder="Find a customer: jane.doe@example.com or @example.com" aria-label="Customer e-mail or @domain" maxlength="254" />
    ${data.account ? html`<input type="hidden" name="account" value="${data.account}" />` : ''}
    <button type="submit">Find</button>
  </form>`;
}

function searchSection(data: DashboardData, names: Map<string, string>) {
  const search = data.search;
  if (!search) return '';
  const body = search.error
    ? html`<p class="error">${search.error}</p>`
    : licenseTable(search.items, names, 'status', {
        href: `/licenses?${search.query ?? ''}`,
        label: 'every license (JSON, paged)',
      });
  const more = search.more
    ? html`<p class="more">More than ${search.items.length}: <a href="/licenses?${search.query ?? ''}">all of them (JSON, paged)</a></p>`
    : '';
  return html`<section id="search"><h2>Licenses of ${search.term} (${search.items.length}${search.more ? '+' : ''})</h2>${body}${more}</section>`;
}

function changeTable(data: DashboardData, names: Map<string, string>) {
  if (data.changes.length === 0)
    return html`<p class="empty">Nothing changed in the last ${RECENT_CHANGE_DAYS} days (a connector's first sync is its baseline, not news).</p>`;
  const rows = data.changes.map(
    (ch) => html`<tr>
      <td>${when(ch.observedAt)}</td><td>${ch.kind}</td><td>${ch.email ?? ''}</td>
      <td>${names.get(ch.connectorId) ?? ch.connectorId}</td><td><code>${ch.licenseId}</code></td>
      <td class="wrap">${ch.changes.join(', ')}</td>
    </tr>`,
  );
  return html`<table>
    <thead><tr><th>Observed</th><th>Kind</th><th>Email</th><th>Connector</th><th>License</th><th>Fields</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
  <p class="more"><a href="/changes.csv?since=${RECENT_CHANGE_DAYS}d${accountParam(data, '&')}">Every change of the last ${RECENT_CHANGE_DAYS} days (CSV)</a></p>`;
}

function connectorTable(data: DashboardData) {
  if (data.connectors.length === 0)
    return html`<p class="empty">No connectors yet: run <code>licensewatch sync</code>.</p>`;
  const rows = data.connectors.map(
    (c) => html`<tr>
      <td>${c.name}${c.deletedAt ? html` <span class="st-expired">(gone upstream)</span>` : ''}</td>
      <td><code>${c.id}</code></td><td>${c.account}</td><td class="num">${c.licenses}</td>
      <td>${when(c.lastCompleteWalkAt) || html`<span class="empty">never</span>`}</td>
      <td class="st-${c.lastWalk?.status ?? 'none'}">${c.lastWalk?.status ?? ''}${c.lastWalk?.error ? `: ${c.lastWalk.error.message}` : ''}</td>
    </tr>`,
  );
  return html`<table>
    <thead><tr><th>Connector</th><th>ID</th><th>Account</th><th class="num">Live licenses</th><th>Last complete sync</th><th>Last walk</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`;
}

function alertTable(data: DashboardData) {
  if (data.alerts.length === 0) return html`<p class="empty">No alerts raised yet.</p>`;
  const rows = data.alerts.map(
    (a) => html`<tr title="${a.message}">
      <td>${when(a.raisedAt)}</td><td>${a.rule}</td><td class="num">${a.threshold ?? ''}</td>
      <td>${a.email ?? ''}</td><td>${day(a.expires)}</td><td><code>${a.licenseId}</code></td>
      <td class="st-${a.status}">${a.status}</td>
    </tr>`,
  );
  return html`<table>
    <thead><tr><th>Raised</th><th>Rule</th><th class="num">Threshold</th><th>Email</th><th>Expires</th><th>License</th><th>Delivery</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`;
}

export function dashboardPage(data: DashboardData) {
  const names = new Map(data.connectors.map((c) => [c.id, c.name]));
  const within30 = data.expiring[0]?.items.length ?? 0;
  const windows = data.expiring.map(
    (w, i) => html`<details ${i === 0 ? 'open' : ''} data-window="${w.upTo}">
      <summary>${w.from === 0 ? `Next ${w.upTo} days` : `${w.from}–${w.upTo} days`} (${w.items.length})</summary>
      ${licenseTable(w.items, names, 'status', { href: `/reports/expiring?withinDays=${w.upTo}&limit=1000${accountParam(data, '&')}`, label: `expiring within ${w.upTo} days` })}
    </details>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>licensewatch dashboard</title>
  <style>${raw(STYLE)}</style>
</head>
<body>
  <header>
    <h1>licensewatch</h1>
    <span class="meta">Celigo connector licenses${data.account ? ` of account ${data.account}` : ''}, as of ${when(data.now.toISOString())}</span>
    <nav><a href="/reports/expiring.csv?withinDays=90${accountParam(data, '&')}">Expiring (CSV)</a><a href="/reports/not-installed.csv${accountParam(data, '?')}">Not installed (CSV)</a><a href="/changes.csv${accountParam(data, '?')}">Changes (CSV)</a><a href="/openapi.json">OpenAPI</a></nav>
  </header>
  <main>
    ${searchForm(data)}
    ${accountLinks(data)}
    ${searchSection(data, names)}
    <div class="tiles">
      <div class="tile" id="tile-connectors"><div class="n">${data.connectors.length}</div><div class="l">Connectors</div></div>
      <div class="tile" id="tile-live"><div class="n">${data.liveLicenses}</div><div class="l">Live licenses</div></div>
      <div class="tile" id="tile-expiring"><div class="n">${within30}</div><div class="l">Expiring in 30 days</div></div>
      <div class="tile" id="tile-not-installed"><div class="n">${data.notInstalled.length}</div><div class="l">Not installed</div></div>
      <div class="tile" id="tile-alerts"><div class="n">${data.alerts.length}</div><div class="l">Recent alerts</div></div>
    </div>
    <section id="chart"><h2>Live licenses by expiry month</h2>${expiryChart(data.byMonth)}</section>
    <section id="renewals"><h2>Renewals against expiries per month</h2>${renewalChart(data.monthly)}</section>
    <section id="at-risk"><h2>Customers at risk</h2>${atRiskTable(data.atRisk)}</section>
    <section id="connectors"><h2>Connectors</h2>${connectorTable(data)}</section>
    ${versionsSection(data.versions)}
    <section id="expiring"><h2>Expiring soon</h2>${windows}</section>
    ${trialsSection(data, names)}
    <section id="changes"><h2>Recent changes (last ${RECENT_CHANGE_DAYS} days)</h2>${changeTable(data, names)}</section>
    <section id="not-installed"><h2>Not installed</h2>${licenseTable(data.notInstalled, names, 'created', { href: `/reports/not-installed?olderThanDays=0&limit=1000${accountParam(data, '&')}`, label: 'all not installed' })}</section>
    <section id="alerts"><h2>Recent alerts (last ${RECENT_ALERTS})</h2>${alertTable(data)}</section>
  </main>
</body>
</html>`;
}
