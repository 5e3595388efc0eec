// Test helper: decides a request against resource policies of a synthesized template, as IAM would (a Deny wins).
// Deliberately small: what it cannot judge (NotAction, an unknown condition operator) throws instead of guessing.

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
type Json = any;

/** The account, region and partition the template's pseudo parameters stand for in these tests. */
export const ENV = { account: '123456789012', region: 'eu-west-1', partition: 'aws' } as const;

/** A request made by an AWS service principal on behalf of one of its resources (e.g. an alarm). */
export interface ServiceRequest {
  service: string;
  action: string;
  resource: string;
  /** Global condition keys, e.g. aws:SourceAccount, aws:SourceArn, aws:SecureTransport. */
  context: Record<string, string>;
}

export type Decision = 'allow' | 'deny' | 'no-allow';

/** Resolves the intrinsics these policies use to strings: pseudo parameters, Ref, GetAtt Arn, Join. */
export function resolver(resources: Record<string, Json>) {
  const arnOf = (id: string): string => {
    const type = resources[id]?.Type;
    const { account, region, partition } = ENV;
    if (type === 'AWS::SNS::Topic') return `arn:${partition}:sns:${region}:${account}:${id}`;
    if (type === 'AWS::KMS::Key') return `arn:${partition}:kms:${region}:${account}:key/${id}`;
    return `arn:${partition}:unknown:${region}:${account}:${id}`;
  };
  const resolve = (value: Json): string => {
    if (typeof value === 'string') return value;
    if (value?.Ref === 'AWS::AccountId') return ENV.account;
    if (value?.Ref === 'AWS::Region') return ENV.region;
    if (value?.Ref === 'AWS::Partition') return ENV.partition;
    if (value?.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
    if (typeof value?.Ref === 'string') return arnOf(value.Ref);
    if (value?.['Fn::GetAtt']?.[1] === 'Arn') return arnOf(value['Fn::GetAtt'][0]);
    if (value?.['Fn::Join']) {
      const [separator, parts] = value['Fn::Join'];
      return (parts as Json[]).map(resolve).join(separator);
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  return { resolve, arnOf };
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([value].flat() as T[]));

/** IAM's `*` and `?` wildcards, anchored. */
function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

const OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (e, a) => e === a,
  StringLike: (e, a) => wildcard(e, a),
  ArnEquals: (e, a) => e === a,
  ArnLike: (e, a) => wildcard(e, a),
  Bool: (e, a) => e.toLowerCase() === a.toLowerCase(),
};

function principalMatches(principal: Json, service: string): boolean {
  if (principal === '*' || principal?.AWS === '*') return true;
  return list<string>(principal?.Service).includes(service);
}

function conditionsHold(condition: Json, request: ServiceRequest, resolve: (v: Json) => string): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    const test = OPERATORS[operator];
    if (!test) throw new Error(`condition operator ${operator} is not modelled here`);
    for (const [key, expected] of Object.entries(entries as Record<string, Json>)) {
      // Condition keys are case-insensitive; a key the request does not carry fails its condition.
      const actualKey = Object.keys(request.context).find((k) => k.toLowerCase() === key.toLowerCase());
      if (actualKey === undefined) return false;
      const actual = request.context[actualKey]!;
      if (!list<Json>(expected).some((e) => test(resolve(e), actual))) return false;
    }
  }
  return true;
}

/** Whether the statements allow the request: an explicit Deny wins, then any Allow; nothing means no. */
export function decide(statements: Json[], request: ServiceRequest, resolve: (v: Json) => string): Decision {
  let allowed = false;
  for (const st of statements) {
    for (const unsupported of ['NotAction', 'NotPrincipal', 'NotResource'])
      if (st[unsupported]) throw new Error(`${unsupported} is not modelled here`);
    const applies =
      principalMatches(st.Principal, request.service) &&
      list<string>(st.Action).some((a) => wildcard(a, request.action, true)) &&
      list<Json>(st.Resource).some((r) => wildcard(resolve(r), request.resource)) &&
      conditionsHold(st.Condition, request, resolve);
    if (!applies) continue;
    if (st.Effect === 'Deny') return 'deny';
    if (st.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'no-allow';
}
