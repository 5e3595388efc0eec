// @ts-check
// The static checks `npm test` runs before the tests: Biome, tsc and the dependency rules, at once (each is its own
// process; together they take the time of the slowest). Each one's output is printed whole when it ends, in order;
// the exit code is non-zero when any failed. Usage: node scripts/checks.js (npm run lint|typecheck|deps run one).
import { spawn } from 'node:child_process';

const CHECKS = [
  ['lint', 'biome', ['check', '.']],
  ['typecheck', 'tsc', ['--noEmit']],
  ['deps', 'depcruise', ['functions', 'local', 'infra', 'bench', 'test', 'bin', '--output-type', 'err']],
];

const started = Date.now();
const results = await Promise.all(
  CHECKS.map(
    ([name, bin, args]) =>
      new Promise((resolve) => {
        const child = spawn(`node_modules/.bin/${bin}`, /** @type {string[]} */ (args), {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d) => {
          output += d;
        });
        child.stderr.on('data', (d) => {
          output += d;
        });
        child.on('error', (error) =>
          resolve({ name, code: 1, output: `${error.message}\n`, ms: Date.now() - started }),
        );
        child.on('close', (code) => resolve({ name, code: code ?? 1, output, ms: Date.now() - started }));
      }),
  ),
);
for (const {
  name,
  code,
  output,
  ms,
} of /** @type {{ name: string, code: number, output: string, ms: number }[]} */ (results)) {
  process.stdout.write(
    `\n> ${name} (${(ms / 1000).toFixed(1)} s) ${code === 0 ? 'passed' : `FAILED (exit ${code})`}\n`,
  );
  if (output.trim()) process.stdout.write(`${output.trimEnd()}\n`);
}
const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
if (failed.length > 0) {
  process.stderr.write(`\nchecks failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
