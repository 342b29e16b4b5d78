/**
 * What one erasure would cost on AWS, from what the run counted: the on-demand prices of the cost
 * model in docs/deploy.md (us-east-1, arm64; keep the two in agreement).
 */
export const prices = {
  httpApiPerRequest: 1.0 / 1e6,
  lambdaPerRequest: 0.2 / 1e6,
  lambdaPerGbSecond: 0.0000133334,
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  sfnPerTransition: 0.025 / 1000,
} as const;

/** The workflow's functions' memory (infra/constructs/functions.ts: 512 MB unless a row says otherwise). */
export const LAMBDA_GB = 0.5;

export interface ErasureUse {
  stateTransitions: number;
  lambdaInvocations: number;
  /** The Lambda handlers' own time (a token task's wait for its callback is not billed). */
  lambdaMs: number;
  readUnits: number;
  writeUnits: number;
  /** API calls (the submit; status reads are the client's choice). */
  apiCalls: number;
}

export function erasureCost(u: ErasureUse): { usd: number; gbSeconds: number; line: string } {
  // Lambda bills each invocation's duration rounded up to the millisecond.
  const gbSeconds = (u.lambdaMs / 1000) * LAMBDA_GB;
  const parts = {
    sfn: u.stateTransitions * prices.sfnPerTransition,
    lambda: u.lambdaInvocations * prices.lambdaPerRequest + gbSeconds * prices.lambdaPerGbSecond,
    dynamo: u.readUnits * prices.dynamoPerReadUnit + u.writeUnits * prices.dynamoPerWriteUnit,
    api: u.apiCalls * prices.httpApiPerRequest,
  };
  const usd = parts.sfn + parts.lambda + parts.dynamo + parts.api;
  const line =
    `${u.stateTransitions} transitions, ${u.lambdaInvocations} Lambda invocations (${gbSeconds.toFixed(2)} GB-s at ${LAMBDA_GB} GB), ` +
    `${u.readUnits.toFixed(1)} RRU + ${u.writeUnits.toFixed(1)} WRU: $${(usd * 1000).toFixed(3)} per 1,000 erasures ` +
    `(Step Functions $${(parts.sfn * 1000).toFixed(3)}, Lambda $${(parts.lambda * 1000).toFixed(3)}, DynamoDB $${(parts.dynamo * 1000).toFixed(3)})`;
  return { usd, gbSeconds, line };
}
