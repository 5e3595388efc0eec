// Console sink: one readable line per alert, for the CLI and local runs.
import type { Alert, AlertSink } from '#watch/alert';

export function consoleSink(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): AlertSink {
  return {
    name: 'console',
    async deliver(alerts: Alert[]) {
      for (const alert of alerts) write(`ALERT ${alert.rule}: ${alert.message}`);
      return alerts.map((a) => a.alertId);
    },
  };
}
