// cdk-nag (AwsSolutions) over the whole app: no unacknowledged finding, and every acknowledgement carries a reason.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { synthStack } from '../support/synth.ts';

/** Acknowledgements recorded anywhere in the tree: construct path -> { rule id: reason }. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const VARIANTS: Record<string, Record<string, unknown>> = {
  defaults: {},
  'existing secrets, JWT auth, e-mail subscriptions': {
    tokenSecretName: 'celigo/partner-token',
    webhookSecretName: 'licensewatch/slack',
    apiAuth: 'jwt',
    jwtIssuer: 'https://issuer.example.com/',
    jwtAudience: 'licensewatch',
    alertEmail: 'licenses@example.com',
    opsEmail: 'ops@example.com',
  },
  'two partner accounts, one secret created and one named': {
    accounts: JSON.stringify([
      { name: 'us', partnerApi: 'us' },
      { name: 'eu', partnerApi: 'eu', tokenSecretName: 'celigo/eu-token' },
    ]),
  },
};

describe.each(Object.entries(VARIANTS))('cdk-nag AwsSolutions, %s', { timeout: 60_000 }, (_name, context) => {
  it('finds nothing unacknowledged: no error and no warning', () => {
    const { app } = synthStack(context);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations.map(
      (v) =>
        `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`,
    );
    expect(findings).toEqual([]);
  });

  it('acknowledges only with a real reason, and only the findings we expect', () => {
    const { app } = synthStack(context);
    const acks = acknowledgements(app);
    for (const ack of acks) expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
    const ids = [...new Set(acks.map((a) => a.id.replace(/\[.*\]$/, '[...]')))].sort();
    // A secret the stack creates has no rotation (SMG4); one named needs the `-??????` suffix pattern (IAM5).
    const expected = context.accounts
      ? ['AwsSolutions-IAM5[...]', 'AwsSolutions-SMG4']
      : context.tokenSecretName
        ? ['AwsSolutions-IAM5[...]']
        : ['AwsSolutions-SMG4'];
    expect(ids).toEqual(expected);
  });

  it('passes synth with the plugin registered on the app (as infra/app.ts does)', () => {
    const { app } = synthStack(context, { nag: true });
    const assembly = app.synth(); // throws ValidationFailed on an unacknowledged error
    const reportFile = join(assembly.directory, 'validation-report.json');
    if (existsSync(reportFile)) {
      const report = JSON.parse(readFileSync(reportFile, 'utf8'));
      const violations = report.pluginReports.flatMap((r: { violations: unknown[] }) => r.violations);
      expect(violations).toEqual([]);
    }
  });
});
