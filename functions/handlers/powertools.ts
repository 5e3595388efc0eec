// Instrumentation shared by every handler: one Logger, one Metrics, and the wrapper that ties them to an invocation.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'licensewatch';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'LicenseWatch',
});
export { MetricUnit };

/**
 * Wraps a handler: Lambda context on every log line, the cold start metric, an error line for a failed invocation,
 * and the invocation's metrics flushed (as EMF on stdout) whatever the outcome.
 */
export function instrument<E, R>(name: string, handler: (event: E, context: Context) => Promise<R>) {
  return async (event: E, context: Context): Promise<R> => {
    logger.addContext(context);
    logger.appendKeys({ handler: name });
    metrics.captureColdStartMetric(context.functionName || name);
    try {
      return await handler(event, context);
    } catch (error) {
      logger.error(`${name} failed`, error as Error);
      throw error;
    } finally {
      // Publishing nothing would log a warning on every invocation of a handler that adds no metric (the api).
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
