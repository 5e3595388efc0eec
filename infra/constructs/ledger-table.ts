// The ledger's DynamoDB table, built from the same key schema and indexes the functions and the CLI use.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { INDEX, tableDefinition } from '#ledger/store/dynamo/table';

/**
 * DynamoDB actions a function may be granted on the ledger. Scan only for the plan, which runs the table's
 * upgrades (store/dynamo/migrations): no everyday read scans.
 */
export type LedgerAction =
  | 'dynamodb:Scan'
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

export class LedgerTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // The CLI's CreateTable input is the source of truth: keys, attribute types and projections come from it.
    const definition = tableDefinition('ledger');
    const typeOf = (name: string) => {
      const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
      return type === 'N' ? AttributeType.NUMBER : type === 'B' ? AttributeType.BINARY : AttributeType.STRING;
    };
    const keyOf = (
      schema: { AttributeName?: string; KeyType?: string }[] | undefined,
      kind: 'HASH' | 'RANGE',
    ) => {
      const name = schema?.find((k) => k.KeyType === kind)?.AttributeName;
      return name ? { name, type: typeOf(name) } : undefined;
    };

    this.table = new Table(this, 'Table', {
      partitionKey: keyOf(definition.KeySchema, 'HASH')!,
      sortKey: keyOf(definition.KeySchema, 'RANGE'),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The ledger is the license history: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of definition.GlobalSecondaryIndexes ?? []) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.IndexName!,
        partitionKey: keyOf(gsi.KeySchema, 'HASH')!,
        sortKey: keyOf(gsi.KeySchema, 'RANGE'),
        projectionType: ProjectionType.ALL,
      });
    }
  }

  /**
   * Grants exactly these actions on the table, and Query on each named index when Query is among them.
   * (The usual `grantReadWriteData` would add Scan, DescribeTable and an `index/*` wildcard.)
   */
  grant(grantee: IGrantable, actions: readonly LedgerAction[]): void {
    const indexArns = Object.values(INDEX).map((index) => `${this.table.tableArn}/index/${index.name}`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: [this.table.tableArn, ...(actions.includes('dynamodb:Query') ? indexArns : [])],
      }),
    );
  }
}
