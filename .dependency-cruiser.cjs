// Dependency rules, checked by `npm run deps` (part of `npm test`): the allowed direction between folders.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No two modules import each other, however indirectly.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'functions-stay-deployable',
      severity: 'error',
      comment:
        'Code that runs in Lambda never imports the CLI, the emulator, the local store or the CDK app.',
      from: { path: '^functions/' },
      to: { path: '^(local|infra|bench|test)/' },
    },
    {
      name: 'layers-point-down',
      severity: 'error',
      comment:
        'celigo <- ledger <- watch <- alerts <- app <- api <- handlers: no layer imports one above it.',
      from: { path: '^functions/(celigo|ledger)/' },
      to: { path: '^functions/(watch|alerts|api|handlers)/' },
    },
    {
      name: 'use-cases-above-the-domain',
      severity: 'error',
      comment:
        'functions/app holds use cases over the domain: celigo, ledger, watch and alerts never import it.',
      from: { path: '^functions/(celigo|ledger|watch|alerts)/' },
      to: { path: '^functions/app/' },
    },
    {
      name: 'celigo-is-the-bottom',
      severity: 'error',
      from: { path: '^functions/celigo/' },
      to: { path: '^functions/(ledger|watch|alerts|api|handlers)/' },
    },
    {
      name: 'watch-does-not-know-its-sinks',
      severity: 'error',
      comment: 'Rules and evaluation talk to the AlertSink port; sinks implement it.',
      from: { path: '^functions/watch/' },
      to: { path: '^functions/(alerts|api|handlers)/' },
    },
    {
      name: 'sinks-below-the-edges',
      severity: 'error',
      from: { path: '^functions/alerts/' },
      to: { path: '^functions/(api|handlers)/' },
    },
    {
      name: 'domain-below-the-app',
      severity: 'error',
      comment:
        'The use cases (functions/app) call the domain; the domain, the client and the sinks never call a use case.',
      from: { path: '^functions/(celigo|ledger|watch|alerts)/' },
      to: { path: '^functions/app/' },
    },
    {
      name: 'app-below-the-edges',
      severity: 'error',
      comment: 'A use case knows no edge: the HTTP app and the Lambda handlers call it, never the other way.',
      from: { path: '^functions/app/' },
      to: { path: '^functions/(api|handlers)/' },
    },
    {
      name: 'cli-through-the-app',
      severity: 'error',
      comment:
        'The CLI reaches the ledger, the rules and the sinks only through the use cases of functions/app (types are fine), so a command and its HTTP route cannot drift apart.',
      from: { path: '^local/cli/' },
      to: {
        path: '^functions/(ledger|watch|alerts)/',
        pathNot: '^functions/ledger/store/dynamo/index[.]ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'cli-composition-root',
      severity: 'error',
      comment: "Of the CLI, only its composition root (context.ts) picks the store's DynamoDB adapter.",
      from: { path: '^local/cli/', pathNot: '^local/cli/context[.]ts$' },
      to: { path: '^functions/ledger/store/dynamo/' },
    },
    {
      name: 'api-below-handlers',
      severity: 'error',
      from: { path: '^functions/api/' },
      to: { path: '^functions/handlers/' },
    },
    {
      name: 'one-home-for-the-table',
      severity: 'error',
      comment:
        'Only the store adapter speaks DynamoDB. Composition roots build the client (handlers/runtime, local/store); the benchmark baseline is exempt.',
      from: {
        pathNot: [
          '^functions/ledger/store/dynamo/',
          '^functions/handlers/runtime[.]ts$',
          '^local/store/',
          '^bench/',
          '^test/',
        ],
      },
      to: { path: '@aws-sdk/(client-dynamodb|lib-dynamodb)' },
    },
    {
      name: 'the-port-not-the-adapter',
      severity: 'error',
      comment:
        'The domain and the HTTP app use the LedgerStore port; only composition roots pick its DynamoDB adapter.',
      from: {
        path: '^functions/',
        pathNot: ['^functions/ledger/store/dynamo/', '^functions/handlers/runtime[.]ts$'],
      },
      to: { path: '^functions/ledger/store/dynamo/' },
    },
    {
      name: 'cdk-loads-no-client',
      severity: 'error',
      comment:
        'The CDK app reads settings (functions/config, defaults), never the Partner API client: synth loads no HTTP library.',
      from: { path: '^infra/' },
      to: { path: '^functions/celigo/client[.]ts$' },
    },
    {
      name: 'demo-token-stays-local',
      severity: 'error',
      comment: 'The emulator and its demo token never reach a Lambda bundle.',
      from: { path: '^(functions|infra)/' },
      to: { path: '^local/emulator/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^cdk[.]out' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
