/**
 * Named domain errors. Each says what went wrong in words safe to show a caller: never a
 * personal value. The HTTP mapping lives in one place (handlers/middleware/problem-details.ts).
 */
/**
 * Every kind of domain error. The problem mapper keeps a status for each in a table typed by this
 * union, so a kind added here without its HTTP status (or a class naming an unknown kind) is a type error.
 */
export type ErrorKind =
  | 'invalid-input'
  | 'malformed-body'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'suppressed'
  | 'idempotency-key-reused'
  | 'verification-failed'
  | 'unverified-outcome'
  | 'too-many-requests';

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    message: string,
    /** Extra members for the problem document (field names, ids: no personal data). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The body is not what the route accepts (schema, unknown fields). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid-input';
}
/** The body could not be read at all (malformed JSON, wrong encoding). */
export class MalformedBodyError extends DomainError {
  readonly kind = 'malformed-body';
}
export class UnsupportedMediaTypeError extends DomainError {
  readonly kind = 'unsupported-media-type';
}
export class PayloadTooLargeError extends DomainError {
  readonly kind = 'payload-too-large';
}
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
}
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
}
/** Also used for "exists but not yours", so existence does not leak. */
export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
}
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}
/** An identity erased on request may not be brought back by ingestion. */
export class SuppressedIdentityError extends DomainError {
  readonly kind = 'suppressed';
}
/** The same Idempotency-Key was reused with a different body. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly kind = 'idempotency-key-reused';
}

/** A system said it succeeded and the read-back found otherwise (the fields left are in the extensions). */
export class UnverifiedOutcomeError extends DomainError {
  readonly kind = 'unverified-outcome';
}

/** A one-time code that is not the one sent (the tries left are in the extensions). */
export class VerificationFailedError extends DomainError {
  readonly kind = 'verification-failed';
}

/** An abuse limit was reached (429); `retryAfter` (seconds) is in the extensions. */
export class TooManyRequestsError extends DomainError {
  readonly kind = 'too-many-requests';
}

/**
 * The function's environment or its secrets are not what it needs. The message names variables,
 * never their values: it is safe to log (handlers/middleware/error-log.ts).
 */
export class ConfigurationError extends Error {
  constructor(names: string) {
    super(`invalid configuration: ${names}`);
    this.name = 'ConfigurationError';
  }
}

/** A connected system failed in a way worth retrying (timeout, 5xx, throttling). */
export class TransientSystemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientSystemError';
  }
}
/**
 * Every call slot (or the rate limit) of a system stayed taken for the wait: worth a retry, later
 * and more often than a failure (the workflow waits for it, not a Lambda; core/connectors/call-slots.ts).
 */
export class SystemBusyError extends TransientSystemError {
  constructor(message: string) {
    super(message);
    this.name = 'SystemBusyError';
  }
}
/** A connected system refused the call for good (4xx, bad configuration). */
export class PermanentSystemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentSystemError';
  }
}
/** The read-back after a system's answer found the action not done: the fields left, never their values. */
export class ReadBackDisagreement extends PermanentSystemError {
  constructor(
    readonly action: string,
    readonly remaining: string[],
    readonly method: string,
  ) {
    super(`read-back found fields not ${action === 'erase' ? 'erased' : 'changed'}: ${remaining.join(', ')}`);
  }
}
