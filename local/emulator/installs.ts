// The emulator's install base: one record per installed license (by `_integrationId`), each on a release of its
// connector, and update pushes that finish after a set delay (a few never do), so every install state can be seen.
import type { ConnectorRecord, LicenseRecord } from './data.ts';
import { createPrng } from './prng.ts';

/** An install record as the Partner API sends it (shape unconfirmed upstream; extra fields on purpose). */
export interface InstallRecord {
  _integrationId: string;
  _connectorId: string;
  email: string;
  name?: string;
  version: string;
  sandbox: boolean;
  updateInProgress: boolean;
  [key: string]: unknown;
}

/** The releases every connector's installs are spread over, oldest first; the newest is what an update installs. */
export const RELEASES = ['1.12.4', '1.14.0', '1.14.2', '2.0.1'] as const;
export const NEWEST_RELEASE = RELEASES.at(-1)!;
/** How long an update runs before its integration shows the new version (emulator clock). */
export const DEFAULT_UPDATE_DELAY_MS = 60_000;

/** What an integration's own draw decides: its release, sandbox, and whether an update of it ever finishes. */
export function installTraits(integrationId: string) {
  const rng = createPrng(integrationId, 'install');
  // Most on the newest release, the rest behind, so `--outdated` has something to find but not everything.
  const release = rng.pick([3, 3, 3, 2, 2, 1, 0] as const);
  return {
    version: RELEASES[release]!,
    sandbox: rng.chance(0.25),
    /** About one in eight updates never completes: a push of it ends `stuck`. */
    neverCompletes: rng.chance(0.125),
    /** About one in twelve is mid-update already (started by the partner before licensewatch looked). */
    updating: rng.chance(0.08),
  };
}

interface UpdateState {
  requestedAt: number;
  version?: string;
}

/** Integrations' versions and their updates in flight, per partner account; the records are derived on each read. */
export class InstallBase {
  private readonly updates = new Map<string, UpdateState>();
  updateDelayMs = DEFAULT_UPDATE_DELAY_MS;

  constructor(private readonly now: () => Date) {}

  /** The connector's install base now: an install per license that carries an `_integrationId`, in license order. */
  records(connector: ConnectorRecord, licenses: readonly LicenseRecord[]): InstallRecord[] {
    const out: InstallRecord[] = [];
    for (const license of licenses) {
      const iid = license._integrationId;
      if (!iid) continue;
      const traits = installTraits(iid);
      const update = this.settle(iid, traits.neverCompletes);
      const sandbox = typeof license.sandbox === 'boolean' ? license.sandbox : traits.sandbox;
      out.push({
        _integrationId: iid,
        _connectorId: connector._id,
        email: license.user.email,
        ...(license.user.name ? { name: `${connector.name} (${license.user.name})` } : {}),
        version: update?.version ?? traits.version,
        sandbox,
        updateInProgress: update ? update.version === undefined : traits.updating,
        lastModified: license.created,
      });
    }
    return out;
  }

  /** Starts an update of each integration; ids not installed on this connector are refused (the caller answers 422). */
  requestUpdate(integrationIds: readonly string[]): void {
    const at = this.now().getTime();
    for (const iid of integrationIds) this.updates.set(iid, { requestedAt: at });
  }

  /** An update finishes once the delay has passed on the emulator's clock, unless the integration never completes. */
  private settle(iid: string, neverCompletes: boolean): UpdateState | undefined {
    const update = this.updates.get(iid);
    if (!update || update.version !== undefined || neverCompletes) return update;
    if (this.now().getTime() - update.requestedAt >= this.updateDelayMs) update.version = NEWEST_RELEASE;
    return update;
  }

  /** Updates as saved beside the demo's ledger, so a second `npm start` sees what finished meanwhile. */
  saved(): Record<string, UpdateState> {
    return Object.fromEntries(this.updates);
  }

  restore(saved: Record<string, UpdateState> | undefined): void {
    for (const [iid, state] of Object.entries(saved ?? {})) this.updates.set(iid, { ...state });
  }
}
