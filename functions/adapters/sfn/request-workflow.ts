/**
 * The privacy-request state machine: starts (the execution is named after the request, and the run
 * for an operator's retry, so a second start is a no-op) and answers waiting steps by task token.
 */
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { RequestWorkflow } from '#core/requests/ports.ts';
import { ConfigurationError } from '#core/shared/errors.ts';
import { ConflictError } from '#core/shared/errors.ts';

/** A token Step Functions no longer waits on (timed out, already answered, execution gone). */
const settled = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class StepFunctionsRequestWorkflow implements RequestWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string | undefined,
  ) {}

  async start(requestId: string, run?: string) {
    if (!this.stateMachineArn) throw new ConfigurationError('STATE_MACHINE_ARN');
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: run ? `${requestId}-${run}` : requestId,
          input: JSON.stringify({ requestId }),
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    }
  }

  private async answer(send: () => Promise<unknown>) {
    try {
      await send();
    } catch (err) {
      if (settled.has((err as Error).name))
        throw new ConflictError('the workflow no longer waits for this step (timed out or already answered)');
      throw err;
    }
  }

  completeTask(token: string, output: Record<string, unknown>) {
    return this.answer(() =>
      this.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })),
    );
  }

  failTask(token: string, error: string, cause: string) {
    return this.answer(() => this.client.send(new SendTaskFailureCommand({ taskToken: token, error, cause })));
  }

  heartbeatTask(token: string) {
    return this.answer(() => this.client.send(new SendTaskHeartbeatCommand({ taskToken: token })));
  }
}
