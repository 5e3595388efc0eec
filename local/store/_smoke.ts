import { readdirSync } from 'node:fs';
import { startEmbeddedDynamo } from '#local/store/embedded';
const t = Date.now();
try { const d = await startEmbeddedDynamo({ dataDir: '/tmp/lw/fail2' }); console.log('started?!', d.endpoint); await d.stop(); } catch (e) { console.log((e as any).code, (e as Error).message, Date.now() - t, 'ms'); }
console.log(readdirSync('/tmp/lw/fail2'));
