/**
 * Export jobs run on the audit day-job state machine (the verification one), with `kind: 'export'`:
 * one execution per job, named after it (a second start is a no-op).
 */
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExportJob } from '#core/audit/export-job.ts';
import type { ExportRunner } from '#core/audit/ports.ts';

export class StepFunctionsExportRunner implements ExportRunner {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(job: ExportJob) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: job.id,
          input: JSON.stringify({ kind: 'export', jobId: job.id, days: job.days }),
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    }
  }
}
