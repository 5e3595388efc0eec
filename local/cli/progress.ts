// A single progress line on stderr, redrawn in place, only when stderr is a terminal.
export function progressLine(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(text: string) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 100) - 1)}`);
    },
    done() {
      if (tty && shown) stream.write('\r\x1b[2K');
    },
  };
}
