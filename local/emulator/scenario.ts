// The demo's scenario (`npm start`): upstream data saved beside the ledger, and customers who act between two runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DAY_MS, type DataSet, demoDataSet } from './data.ts';
import type { Emulator } from './index.ts';

/** The emulator's licenses are kept beside the ledger, so a second start sees the same upstream and only what changed. */
export function loadUpstream(file: string, log: (line: string) => void): DataSet {
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

export function saveUpstream(file: string, emu: Emulator): void {
  const connectors = emu.connectors();
  const licenses = Object.fromEntries(connectors.map((c) => [c._id, emu.licenses(c._id)]));
  writeFileSync(file, JSON.stringify({ connectors, licenses }));
}

/** Between two demo runs the "customers" act: one renews a license about to lapse, one installs theirs. */
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
  }
  return notes;
}
