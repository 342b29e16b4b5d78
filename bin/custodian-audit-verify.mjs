#!/usr/bin/env node
// `npx custodian-audit-verify export.ndjson`: the offline audit verifier (scripts/audit-verify.ts) through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/audit-verify.ts');
