// Imported first by handler tests: Powertools reads these when the handler modules load.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LICENSEWATCH_TEST_DEBUG ? 'DEBUG' : 'SILENT';
