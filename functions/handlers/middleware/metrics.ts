/**
 * Operational metrics, as CloudWatch embedded metric format lines (Powertools Metrics): counts only,
 * never anything about a person. The alarms (infra/constructs/alarms.ts) watch these names.
 * Locally POWERTOOLS_METRICS_DISABLED keeps them out of the terminal.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'Custodian';
export const METRICS_SERVICE = 'custodian';

export const metricNames = {
  /** Open requests past their (extended) deadline, as the deadline sweeper last counted them. */
  requestsOverdue: 'RequestsOverdue',
  /** Steps of async systems or manual tasks that were not answered in time (States.Timeout, HeartbeatTimeout). */
  systemStepsTimedOut: 'SystemStepsTimedOut',
} as const;

let metrics: Metrics | undefined;

/** Publishes the counts at once (a scheduled job or a task has no end-of-invocation hook of its own here). */
export function publishCounts(counts: Partial<Record<keyof typeof metricNames, number>>): void {
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  for (const [key, value] of Object.entries(counts) as [keyof typeof metricNames, number][])
    metrics.addMetric(metricNames[key], MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}
