// The dashboard's portfolio-over-time parts: renewals against expiries per month (inline SVG), customers at risk.
import { html } from 'hono/html';
import type { CustomerRow } from '#app/customers';
import type { MonthlyFigures } from '#app/metrics';
import { niceCeiling } from './chart.ts';

const WIDTH = 760;
const HEIGHT = 240;
const PAD = { top: 24, right: 12, bottom: 44, left: 44 };

/** Two bars a month, renewed and expired, with the renewal rate under each month's label. */
export function renewalChart(months: MonthlyFigures[]) {
  const top = niceCeiling(Math.max(0, ...months.flatMap((m) => [m.renewed, m.expired])));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, months.length);
  const barW = Math.max(3, slot * 0.32);
  const y = (n: number) => PAD.top + plotH - (n / top) * plotH;
  const bar = (kind: 'renewed' | 'expired', x: number, m: MonthlyFigures) => {
    const n = m[kind];
    return html`<rect class="${kind}" data-month="${m.month}" data-${kind}="${n}" x="${x.toFixed(1)}" y="${y(n).toFixed(1)}" width="${barW.toFixed(1)}" height="${((n / top) * plotH).toFixed(1)}" rx="2"><title>${m.month}: ${n} ${kind}</title></rect>`;
  };
  const columns = months.map((m, i) => {
    const x = PAD.left + i * slot + (slot - 2 * barW) / 2;
    const rate = m.renewalRate === null ? '' : `${Math.round(m.renewalRate * 100)}%`;
    return html`<g>${bar('renewed', x, m)}${bar('expired', x + barW, m)}
      <text class="axis" x="${(x + barW).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${m.month}</text>
      <text class="axis" x="${(x + barW).toFixed(1)}" y="${HEIGHT - PAD.bottom + 30}" text-anchor="middle">${rate}</text></g>`;
  });
  const grid = [0, top / 2, top].map(
    (v) => html`<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" />
      <text class="axis" x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`,
  );
  return html`<svg id="renewal-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="Renewals (blue) against expiries (orange) per month, the renewal rate under each" xmlns="http://www.w3.org/2000/svg">
    ${grid}${columns}
  </svg>`;
}

/** Customers at risk, soonest expiry first. */
export function atRiskTable(rows: CustomerRow[]) {
  if (rows.length === 0) return html`<p class="empty">No customer at risk.</p>`;
  return html`<table><thead><tr><th>Domain</th><th class="num">Live</th><th class="num">Installed</th><th class="num">Sandbox</th><th>Next expiry</th><th>Accounts</th></tr></thead><tbody>
    ${rows.map(
      (r) =>
        html`<tr data-domain="${r.domain}"><td><a href="/?q=%40${encodeURIComponent(r.domain)}">${r.domain}</a></td><td class="num">${r.licenses}</td><td class="num">${r.installed}</td><td class="num">${r.sandbox}</td><td>${r.nextExpiry?.slice(0, 10) ?? ''}</td><td>${r.accounts.join(', ')}</td></tr>`,
    )}
  </tbody></table>`;
}
