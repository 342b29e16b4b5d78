/** The one table of error kinds to HTTP statuses: exhaustive, checked by the type checker and here. */
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  MalformedBodyError,
  NotFoundError,
  PayloadTooLargeError,
  SuppressedIdentityError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  VerificationFailedError,
} from '#core/shared/errors.ts';
import { problemOf } from '#handlers/middleware/problem-details.ts';

describe('problemOf', () => {
  it.each([
    [InvalidInputError, 422],
    [MalformedBodyError, 400],
    [UnsupportedMediaTypeError, 415],
    [PayloadTooLargeError, 413],
    [UnauthenticatedError, 401],
    [ForbiddenError, 403],
    [NotFoundError, 404],
    [ConflictError, 409],
    [SuppressedIdentityError, 409],
    [IdempotencyKeyReusedError, 422],
    [VerificationFailedError, 422],
    [TooManyRequestsError, 429],
  ] as const)('%o is %i', (Kind, status) => {
    const problem = problemOf(new Kind('safe words'));
    expect(problem.status).toBe(status);
    expect(problem.title).toEqual(expect.any(String));
  });

  it('knows no kind outside the table: an unknown one does not compile, and nothing falls back to 400', () => {
    class Unknown extends DomainError {
      // @ts-expect-error: 'bogus' is not an ErrorKind; the type check fails if this line ever compiles.
      readonly kind = 'bogus';
    }
    expect(problemOf(new Unknown('x')).status).toBeUndefined();
  });

  it('an unnamed error is a 500 with no detail', () => {
    const problem = problemOf(new Error('jane.doe@example.com broke it'));
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('jane.doe');
  });
});
