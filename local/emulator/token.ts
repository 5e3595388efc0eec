// The bearer tokens the emulator accepts by default (the US demo account, the EU one): local only, they never reach a
// Lambda bundle.
export const DEMO_TOKEN = 'local-dev-token';
export const DEMO_TOKEN_EU = 'local-dev-token-eu';
