/**
 * What a log line says about an error: its name always, and a message only where the message is
 * safe by construction (configuration errors name variables, domain errors are written for callers).
 * Other messages may carry values (an SDK's validation text, a driver's echo of a query): those
 * errors give their name and, when they have one, a code or HTTP status instead.
 */
import { ConfigurationError, DomainError } from '#core/shared/errors.ts';

export interface ErrorFields {
  error: string;
  detail?: string;
  code?: string;
}

export function errorFields(err: unknown): ErrorFields {
  if (!(err instanceof Error)) return { error: typeof err };
  const name = err.name || err.constructor?.name || 'Error';
  if (err instanceof ConfigurationError || err instanceof DomainError) return { error: name, detail: err.message };
  const code = (err as { code?: unknown }).code;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return {
    error: name,
    ...(typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? { code } : {}),
    ...(typeof status === 'number' ? { code: `HTTP ${status}` } : {}),
  };
}
