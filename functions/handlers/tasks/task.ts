/**
 * The one wrapper every workflow task runs in: the composition root's ports, a PII-free log line,
 * an X-Ray subsegment annotated with the request and system, and errors thrown by name so the state machine's Retry and Catch can match them.
 */
import type { Context } from 'aws-lambda';
import { deps, type Deps } from '../deps.ts';
import { errorFields } from '../middleware/error-log.ts';
import { logger } from '../middleware/logging.ts';
import { tracedHandler } from '../middleware/tracing.ts';
import type { LoadTaskName } from './load-tasks.ts';
import type { AuditVerificationTaskName, TaskName } from './tasks.ts';

export function workflowTask<I, O>(
  name: TaskName | LoadTaskName | AuditVerificationTaskName,
  step: (deps: Deps, input: I) => Promise<O>,
) {
  const run = tracedHandler(async (input: I): Promise<O> => {
    const started = Date.now();
    try {
      const output = await step(await deps(), input);
      logger.info({ message: 'task', task: name, outcome: 'ok', ms: Date.now() - started });
      return output;
    } catch (err) {
      logger.warn({
        message: 'task',
        task: name,
        outcome: 'error',
        ...errorFields(err),
        ms: Date.now() - started,
      });
      throw err;
    }
  });
  return (input: I, context?: Context): Promise<O> => run(input, context);
}
