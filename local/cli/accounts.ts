// The CLI's partner accounts: an accounts file (`--accounts-file` / LICENSEWATCH_ACCOUNTS_FILE), or the one account
// `default` made of --api-url and the token flags. Tokens are read only when an account's client is first built.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { accountName, apiUrlOf, DEFAULT_ACCOUNT, duplicates } from '#functions/config';
import { CliError } from './output.ts';

export interface CliAccount {
  name: string;
  apiUrl: string;
  /** The token, read when first asked for (an account never used needs none). */
  token: () => string;
}

const entry = z
  .strictObject({
    name: accountName,
    apiUrl: z.string().refine((v) => apiUrlOf(v) !== undefined, 'must be us, eu or an http(s) URL'),
    tokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    tokenFile: z.string().min(1).optional(),
  })
  .refine((a) => (a.tokenEnv === undefined) !== (a.tokenFile === undefined), {
    message: 'needs exactly one of tokenEnv and tokenFile',
  });

const fileSchema = z.strictObject({
  accounts: z
    .array(entry)
    .min(1, 'must list at least one account')
    .refine((list) => duplicates(list.map((a) => a.name)).length === 0, {
      message: 'account names must be unique',
    }),
});

/** A file's text, or a CliError of `code` saying `what` and the system's reason (ENOENT, EACCES, ...). */
function readOrFail(path: string, code: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code;
    throw new CliError(code, `${what}${reason ? ` (${reason})` : ''}`);
  }
}

/** Reads and checks an accounts file; any problem is one line naming the file and what is wrong. */
export function readAccountsFile(path: string, env: NodeJS.ProcessEnv = process.env): CliAccount[] {
  const text = readOrFail(path, 'bad_accounts_file', `cannot read the accounts file ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError('bad_accounts_file', `the accounts file ${path} is not JSON`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'file';
    throw new CliError('bad_accounts_file', `the accounts file ${path}: ${where} ${issue.message}`);
  }
  const base = dirname(resolve(path));
  return parsed.data.accounts.map((a) => ({
    name: a.name,
    apiUrl: apiUrlOf(a.apiUrl)!,
    token: a.tokenEnv
      ? () => fromEnv(a.name, a.tokenEnv!, env)
      : () => readTokenFile(resolve(base, a.tokenFile!), `account ${a.name}: `),
  }));
}

function fromEnv(account: string, variable: string, env: NodeJS.ProcessEnv): string {
  const token = env[variable]?.trim();
  if (!token)
    throw new CliError(
      'missing_token',
      `account ${account}: the environment variable ${variable} is not set`,
    );
  return token;
}

/** A token kept in a file (trimmed); its content is never printed, only where it was looked for. */
export function readTokenFile(path: string, prefix = ''): string {
  const text = readOrFail(path, 'bad_token_file', `${prefix}cannot read the token file ${path}`);
  const token = text.trim();
  if (!token) throw new CliError('bad_token_file', `${prefix}the token file ${path} is empty`);
  return token;
}

/** Without a file: the one account, as before accounts existed. */
export const singleAccount = (apiUrl: string, token: () => string): CliAccount[] => [
  { name: DEFAULT_ACCOUNT, apiUrl, token },
];
