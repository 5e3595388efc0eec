// Test helper: the stack as `cdk synth` builds it (cdk.json context), minus esbuild (bundles are tested on their own).
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REPO_ROOT } from '../../infra/bundling.ts';
import { readSettings } from '../../infra/settings.ts';
import { LicenseWatchStack } from '../../infra/stack.ts';

export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(`${REPO_ROOT}/cdk.json`, 'utf8'),
).context;

export interface Synthesized {
  app: App;
  stack: LicenseWatchStack;
  template: Template;
}

/** Builds the app with cdk.json's context plus `context`; `aws:cdk:bundling-stacks: []` skips esbuild (as `cdk ls` does). */
export function synthStack(
  context: Record<string, unknown> = {},
  options: { nag?: boolean } = {},
): Synthesized {
  const app = new App({ context: { ...CDK_CONTEXT, ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new LicenseWatchStack(app, 'LicenseWatch', { settings: readSettings(app.node) });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack) };
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, read by path in assertions
type Json = any;
type Resource = {
  Type: string;
  Properties: Record<string, Json>;
  DependsOn?: string[];
  DeletionPolicy?: string;
};

export function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

/** The logical id of the one resource of `type` whose logical id starts with `prefix` (ids follow construct paths). */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = resources(template, type)
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

export interface Grant {
  actions: string[];
  resources: unknown[];
}

/** Every Allow statement of the inline policies attached to the role of the function with this logical id. */
export function grantsOf(template: Template, functionId: string): Grant[] {
  const fn = template.toJSON().Resources[functionId] as Resource;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, Json>[])
    .filter((s) => s.Effect === 'Allow')
    .map((s) => ({ actions: [s.Action].flat(), resources: [s.Resource].flat() }));
}

export const actionsOf = (grants: Grant[]) => new Set(grants.flatMap((g) => g.actions));

/** Actions granted on a resource referenced (Ref / GetAtt / inside a Join) by this logical id. */
export function actionsOn(grants: Grant[], resourceId: string): Set<string> {
  const mentions = (value: unknown): boolean => JSON.stringify(value).includes(`"${resourceId}"`);
  return new Set(grants.filter((g) => g.resources.some(mentions)).flatMap((g) => g.actions));
}
