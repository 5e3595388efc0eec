// The kinds of change a partner sees (GET /changes, `licensewatch changes`), in a module light enough for --help.
export const CHANGE_ITEM_KINDS = [
  'created',
  'renewed',
  'expiry-shortened',
  'edition-changed',
  'installed',
  'uninstalled',
  'deleted',
  'trial-started',
  'trial-extended',
  'converted',
  'updated',
] as const;
