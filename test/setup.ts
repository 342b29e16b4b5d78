// Lambda's runtime provides `awslambda` (response streaming); in tests it is ours.
import '#infra/local/lambda-streaming.ts';
// Test output stays readable; a test that wants the log lines sets LOG_LEVEL itself.
process.env.LOG_LEVEL ??= 'silent';
