// The CDK app: one env-agnostic LicenseWatchStack (no lookups, so `cdk synth` works offline), checked by cdk-nag.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings } from './settings.ts';
import { LicenseWatchStack } from './stack.ts';

const app = new App();
const stackName = String(app.node.tryGetContext('stackName') || 'LicenseWatch');
new LicenseWatchStack(app, stackName, {
  description: 'licensewatch: Celigo connector license ledger, alerts and HTTP API',
  settings: readSettings(app.node),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
