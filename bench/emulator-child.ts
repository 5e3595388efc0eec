// Benchmark helper process: the Partner API emulator with a generated data set, steered over IPC.
import { startEmulator } from '#local/emulator/index';

const [connectors, perConnector, latency] = process.argv.slice(2).map(Number);
const emu = await startEmulator({
  token: 'bench-token',
  dataSet: { connectors: connectors!, licensesPerConnector: perConnector! },
  latencyMs: latency,
  now: new Date('2026-06-15T00:00:00Z'),
});

process.on('message', (msg: { type: string; fraction?: number }) => {
  if (msg.type === 'change') {
    // Deterministic spread: every k-th license of every connector gets a new expiry date.
    const every = Math.round(1 / (msg.fraction ?? 0.01));
    let changed = 0;
    for (const c of emu.connectors()) {
      emu.licenses(c._id).forEach((l, i) => {
        if (i % every === every - 1) {
          emu.mutateLicense(c._id, l._id, {
            expires: new Date(Date.parse(l.expires) + 365 * 86_400_000).toISOString(),
          });
          changed++;
        }
      });
    }
    process.send?.({ type: 'changed', changed });
  } else if (msg.type === 'stats') {
    process.send?.({ type: 'stats', stats: emu.stats() });
  } else if (msg.type === 'stop') {
    void emu.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'ready', url: emu.url });
