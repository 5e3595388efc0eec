// The dashboard's bar chart as inline SVG: live licenses by expiry month, no script and no external assets.
import { html } from 'hono/html';
import type { MonthBar } from '#app/dashboard';

const WIDTH = 760;
const HEIGHT = 260;
const PAD = { top: 24, right: 12, bottom: 44, left: 44 };
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten. */
export function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].map((m) => m * power).find((v) => v >= max) ?? 10 * power) as number;
}

export function expiryChart(bars: MonthBar[]) {
  const top = niceCeiling(Math.max(0, ...bars.map((b) => b.count)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(4, slot * 0.64);
  const y = (count: number) => PAD.top + plotH - (count / top) * plotH;
  const total = bars.reduce((sum, b) => sum + b.count, 0);
  const grid = [0, top / 2, top].map(
    (v) => html`<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" />
      <text class="axis" x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`,
  );
  const columns = bars.map((bar, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const h = (bar.count / top) * plotH;
    const [year, month] = bar.month.split('-');
    const name = MONTH_NAMES[Number(month) - 1] ?? bar.month;
    const label = i === 0 || month === '01' ? `${name} ${year}` : name;
    return html`<g>
      <rect class="bar" data-month="${bar.month}" data-count="${bar.count}" x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" rx="2"><title>${bar.month}: ${bar.count} license(s)</title></rect>
      ${bar.count > 0 ? html`<text class="count" x="${(x + barW / 2).toFixed(1)}" y="${(PAD.top + plotH - h - 5).toFixed(1)}" text-anchor="middle">${bar.count}</text>` : ''}
      <text class="axis" x="${(x + barW / 2).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${label}</text>
    </g>`;
  });
  return html`<svg id="expiry-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="Live licenses by expiry month: ${total} in the next ${bars.length} months" xmlns="http://www.w3.org/2000/svg">
    ${grid}${columns}
  </svg>`;
}
