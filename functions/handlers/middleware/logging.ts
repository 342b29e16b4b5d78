/**
 * One log line per request, with what an operator needs and nothing personal: route, status,
 * duration, request id, caller role, error name. Never bodies, headers, paths or query strings.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({
  serviceName: 'custodian',
  logLevel: (process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO',
});
