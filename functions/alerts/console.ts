// Console sink: one readable line per alert, for the CLI and local runs; its state is kept like any sink's, so a
// second run prints nothing it printed before.
import type { AlertSink, Delivery } from '#watch/alert';

export function consoleSink(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): AlertSink {
  return {
    id: 'console',
    async deliver({ alerts, accepted }: Delivery) {
      for (const alert of alerts) write(`ALERT ${alert.rule}: ${alert.message}`);
      accepted(alerts.map((a) => a.alertId));
    },
  };
}
