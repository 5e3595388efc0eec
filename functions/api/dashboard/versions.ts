// The dashboard's install base section: each connector's versions, newest first, with how many installs are behind.
import { html } from 'hono/html';
import type { ConnectorVersions } from '#ledger/install-schemas';

export type VersionRow = ConnectorVersions & { name: string };

export function versionsSection(rows: VersionRow[] | undefined) {
  if (rows === undefined) return '';
  const body =
    rows.length === 0
      ? html`<p class="empty">No install base read yet: run <code>licensewatch sync</code>.</p>`
      : html`<table>
    <thead><tr><th>Connector</th><th>Newest</th><th class="num">Installs</th><th class="num">Outdated</th><th>Versions (installs)</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr>
      <td>${r.name}</td><td>${r.newestVersion ?? ''}</td><td class="num">${r.installs}</td>
      <td class="num${r.outdated > 0 ? ' st-expiring' : ''}"><a href="/installs?connector=${r.connectorId}&amp;outdated=true&amp;limit=1000">${r.outdated}</a></td>
      <td>${Object.entries(r.versions)
        .map(([v, n]) => `${v} (${n})`)
        .join(', ')}</td>
    </tr>`,
    )}</tbody>
  </table>`;
  return html`<section id="versions"><h2>Installed versions</h2>${body}</section>`;
}
