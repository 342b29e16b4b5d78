// aws-local-stepfunctions uses Promise.withResolvers (Node 22); Node 20 lacks it.
import '#infra/local/polyfills.ts';
