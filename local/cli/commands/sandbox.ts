// The `--sandbox true|false` flag every list and report of licenses takes, parsed by the shared parser.
import { Option } from 'commander';
import { parsedBy } from '../settings.ts';

export const sandboxOption = () =>
  parsedBy(
    new Option('--sandbox <true|false>', 'only sandbox licenses (true), or only production ones (false)'),
    (s) => s.sandbox,
  );
