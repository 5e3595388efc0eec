// The demo's scenario (`npm start`): upstream data saved beside the ledger, and customers who act between two runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DAY_MS, type DataSet, demoDataSet, euDemoDataSet } from './data.ts';
import type { AccountControls, Emulator } from './index.ts';
import { DEMO_TOKEN_EU } from './token.ts';

type Saved = Pick<DataSet, 'connectors' | 'licenses'>;

/** The demo's two partner accounts upstream: US (the emulator's first token) and EU (`local-dev-token-eu`). */
export interface Upstream {
  us: DataSet;
  eu: DataSet;
}

/** The emulator's licenses are kept beside the ledger, so a second start sees the same upstream and only what changed. */
export function loadUpstream(file: string, log: (line: string) => void): Upstream {
  const now = new Date();
  const fresh = { us: demoDataSet(now), eu: euDemoDataSet(now) };
  if (!existsSync(file)) return fresh;
  try {
    // Files from before the EU account hold the US one alone: the EU account starts fresh.
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Saved & { eu?: Saved };
    const restore = (base: DataSet, records: Saved | undefined): DataSet =>
      records ? { ...base, connectors: records.connectors, licenses: records.licenses } : base;
    return { us: restore(fresh.us, saved), eu: restore(fresh.eu, saved.eu) };
  } catch {
    log(`could not read ${file}; starting the emulator with fresh demo data`);
    return fresh;
  }
}

function recordsOf(account: AccountControls): Saved {
  const connectors = account.connectors();
  return {
    connectors,
    licenses: Object.fromEntries(connectors.map((c) => [c._id, account.licenses(c._id)])),
  };
}

export function saveUpstream(file: string, emu: Emulator): void {
  writeFileSync(file, JSON.stringify({ ...recordsOf(emu), eu: recordsOf(emu.account(DEMO_TOKEN_EU)) }));
}

/**
 * Between two demo runs the "customers" act: one renews a license about to lapse, one installs theirs, one buys the
 * app their trial was for (Celigo drops trialEndDate when the paid expiry is saved).
 */
export function customersAct(emu: Emulator): string[] {
  const now = Date.now();
  const notes: string[] = [];
  for (const c of emu.connectors()) {
    const licenses = emu.licenses(c._id);
    const lapsing = licenses.find((l) => {
      const days = (Date.parse(l.expires) - now) / DAY_MS;
      return days > 0 && days < 30;
    });
    if (lapsing && notes.length === 0) {
      const renewed = new Date(Date.parse(lapsing.expires) + 365 * DAY_MS).toISOString();
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
    const trial = licenses.find(
      (l) => typeof l.trialEndDate === 'string' && Date.parse(l.trialEndDate) > now && l !== lapsing,
    );
    if (trial && notes.length === 2) {
      const paid = new Date(now + 365 * DAY_MS).toISOString();
      emu.mutateLicense(c._id, trial._id, { trialEndDate: undefined, expires: paid });
      notes.push(
        `${trial.user.email} converted the trial of license ${trial._id}, paid until ${paid.slice(0, 10)}`,
      );
    }
  }
  return notes;
}
