/** The audit verification state machine: one execution per job, named after it (a second start is a no-op). */
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { VerificationRunner } from '#core/audit/ports.ts';
import type { VerificationJob } from '#core/audit/verification-job.ts';

export class StepFunctionsVerificationRunner implements VerificationRunner {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(job: VerificationJob) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: job.id,
          // The days go in the input: the Map reads them from there (at most 366, a few KB).
          input: JSON.stringify({ kind: 'verification', jobId: job.id, days: job.days }),
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    }
  }
}
