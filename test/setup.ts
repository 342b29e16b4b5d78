// aws-local-stepfunctions uses Promise.withResolvers (Node 22); Node 20 lacks it.
import '#infra/local/polyfills.ts';
// Test output stays readable; a test that wants the log lines sets LOG_LEVEL itself.
process.env.LOG_LEVEL ??= 'silent';
