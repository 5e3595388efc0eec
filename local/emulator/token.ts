// The bearer token the emulator accepts by default: local only, it never reaches a Lambda bundle.
export const DEMO_TOKEN = 'local-dev-token';
