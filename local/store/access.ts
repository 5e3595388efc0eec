// Who a DynamoDB Local client is: the fixed identity of test and URL stores, and the embedded store's random per-data-dir key.
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '#local/store/errors';

/** DynamoDB Local without -sharedDb keeps one database per access key id and region: this pair names it. */
export interface LocalAccess {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** For endpoint URLs and the tests' in-memory DynamoDB Local: every such client shares this one database. */
export const LOCAL_ACCESS: LocalAccess = {
  accessKeyId: 'local',
  secretAccessKey: 'local',
  region: 'us-east-1',
};

/** Fixed, so the key id alone decides which database file a client reaches. */
export const STORE_REGION = 'us-east-1';
export const ACCESS_FILE = 'credentials.json';

/** DynamoDB Local accepts only letters and digits in a key id (it answers UnrecognizedClientException otherwise). */
const KEY_ID = /^[A-Za-z0-9]{16,128}$/;

/** The data dir's key (created on first use, mode 0600); the database file is named `<accessKeyId>_<region>.db`. */
export function storeAccess(dbDir: string): LocalAccess {
  const path = join(dbDir, ACCESS_FILE);
  if (!existsFile(path)) create(path);
  // An older or hand-made file may be readable by others: the key id is the only thing guarding the ledger.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  let parsed: Partial<LocalAccess>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LocalAccess>;
  } catch {
    throw new StoreError('bad_store', `cannot read the store's credentials file ${path}: not JSON`);
  }
  if (!KEY_ID.test(parsed.accessKeyId ?? '') || typeof parsed.secretAccessKey !== 'string') {
    throw new StoreError('bad_store', `the store's credentials file ${path} holds no valid access key id`);
  }
  return { accessKeyId: parsed.accessKeyId!, secretAccessKey: parsed.secretAccessKey, region: STORE_REGION };
}

function existsFile(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Written aside and linked into place, so two processes starting at once agree on one key and none reads half a file. */
function create(path: string): void {
  const access = {
    accessKeyId: `LW${randomBytes(16).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(20).toString('hex'),
  };
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(aside, `${JSON.stringify(access)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(aside, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(aside, { force: true });
  }
}
