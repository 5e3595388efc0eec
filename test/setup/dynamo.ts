// Vitest globalSetup: one in-memory DynamoDB Local for the whole run; tests get its endpoint via inject('dynamoEndpoint').
import type { TestProject } from 'vitest/node';
import { startEmbeddedDynamo } from '#local/store/embedded';

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:PORT of the shared in-memory DynamoDB Local. */
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const started = Date.now();
  const dynamo = await startEmbeddedDynamo();
  if (process.env.LICENSEWATCH_TEST_DEBUG) {
    console.log(`DynamoDB Local ${dynamo.endpoint} (pid ${dynamo.pid}) ready in ${Date.now() - started} ms`);
  }
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
