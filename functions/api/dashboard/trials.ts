// The dashboard's trials section: trials ending soon (production and sandbox told apart) and this month's conversions.
import { html } from 'hono/html';
import type { DashboardData } from '#app/dashboard';
import type { LicenseView } from '#ledger/schemas';

const day = (iso: string | undefined) => iso?.slice(0, 10) ?? '';
const env = (l: LicenseView) => (l.sandbox ? 'sandbox' : 'production');

function trialRows(items: LicenseView[], names: Map<string, string>, date: (l: LicenseView) => string) {
  return items.map(
    (l) => html`<tr>
      <td>${l.email ?? ''}</td><td>${names.get(l.connectorId) ?? l.connectorId}</td><td>${env(l)}</td>
      <td>${date(l)}</td><td class="num">${l.daysToTrialEnd ?? ''}</td><td><code>${l.id}</code></td>
    </tr>`,
  );
}

export function trialsSection(data: DashboardData, names: Map<string, string>) {
  const trials = data.trials;
  if (!trials) return '';
  const account = data.account ? `&account=${encodeURIComponent(data.account)}` : '';
  const ending =
    trials.endingSoon.length === 0
      ? html`<p class="empty">None.</p>`
      : html`<table>
    <thead><tr><th>Email</th><th>Connector</th><th>Environment</th><th>Trial ends</th><th class="num">Days</th><th>License</th></tr></thead>
    <tbody>${trialRows(trials.endingSoon, names, (l) => day(l.trialEndDate))}</tbody>
  </table>
  ${trials.endingSoonTotal > trials.endingSoon.length ? html`<p class="more">…and ${trials.endingSoonTotal - trials.endingSoon.length} more: <a href="/reports/trials?withinDays=${trials.withinDays}&limit=1000${account}">all trials ending within ${trials.withinDays} days</a></p>` : ''}`;
  const converted =
    trials.convertedThisMonth.length === 0
      ? html`<p class="empty">None yet this month.</p>`
      : html`<table>
    <thead><tr><th>Email</th><th>Connector</th><th>Environment</th><th>Converted</th><th class="num"></th><th>License</th></tr></thead>
    <tbody>${trialRows(trials.convertedThisMonth, names, (l) => day(l.trialConvertedAt))}</tbody>
  </table>`;
  return html`<section id="trials"><h2>Trials ending within ${trials.withinDays} days (${trials.endingSoonTotal})</h2>${ending}
    <h2 id="conversions">Converted this month (${trials.convertedThisMonth.length})</h2>${converted}</section>`;
}
