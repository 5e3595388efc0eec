// Flags whose values the shared parsers in functions/config.ts check: declared here without zod, parsed when a
// command runs (a preAction hook), so `--help` and the commands' declarations never load it.
import type { Command, Option } from 'commander';
import type { ZodType } from 'zod';
import type { setting } from '#functions/config';

/** Picks the shared parser of a flag, e.g. `(s) => s.positiveInt`; called only once zod is loaded. */
type SchemaOf = (settings: typeof setting) => ZodType;

const schemas = new WeakMap<Option, SchemaOf>();

/**
 * Marks an option to be parsed by a shared parser before its command's action runs. Its `.default(...)` (from
 * DEFAULTS in functions/defaults.ts where the setting has one) is used as is: only values typed on the command
 * line or taken from the environment are parsed.
 */
export function parsedBy<O extends Option>(option: O, schema: SchemaOf): O {
  schemas.set(option, schema);
  return option;
}

/**
 * The preAction hook: parses every marked option of the running command and its parents that the user gave (flag
 * or environment), replacing the text with the parsed value; a bad value throws one line naming the flag.
 */
export async function parseMarkedOptions(_hooked: Command, running: Command): Promise<void> {
  const marked: [Command, Option, SchemaOf][] = [];
  for (let command: Command | null = running; command; command = command.parent) {
    for (const option of command.options) {
      const schema = schemas.get(option);
      const source = command.getOptionValueSource(option.attributeName());
      if (schema && (source === 'cli' || source === 'env')) marked.push([command, option, schema]);
    }
  }
  if (marked.length === 0) return;
  const { parseSetting, setting } = await import('#functions/config');
  for (const [command, option, schema] of marked) {
    const key = option.attributeName();
    const value = parseSetting(schema(setting), command.getOptionValue(key), option.long ?? option.flags);
    command.setOptionValueWithSource(key, value, command.getOptionValueSource(key));
  }
}
