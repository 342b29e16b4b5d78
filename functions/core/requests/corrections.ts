/**
 * A rectification's corrected values, held to the ECIF's own rules before anything is stored or
 * written to a system: normalized as `PUT /v1/ecif/customers` normalizes them (identifiers.ts), and
 * refused when the golden record could not take them (upsert-customer.ts: erased on request, or
 * another customer's). A refusal names the field, never the value.
 */
import { identityKeysOf, normalizeEmail, normalizePhone, type IdentityHasher } from '../ecif/identifiers.ts';
import type { EcifRegistry } from '../ecif/ports.ts';
import { identityRefusal } from '../ecif/upsert-customer.ts';
import { InvalidInputError } from '#core/shared/errors.ts';
import type { Corrections, PrivacyRequest } from './request.ts';

/** The corrected identifiers the ECIF indexes: the ones that can clash with another golden record. */
const identifierFields = ['email', 'phone'] as const;

/** The corrections as the ECIF would store them; an InvalidInputError naming `corrections.<field>` otherwise. */
export function normalizedCorrections(corrections: Corrections): Corrections {
  const out = { ...corrections };
  try {
    if (out.email !== undefined) out.email = normalizeEmail(out.email);
  } catch (err) {
    throw refused(err, 'email');
  }
  try {
    if (out.phone !== undefined) out.phone = normalizePhone(out.phone);
  } catch (err) {
    throw refused(err, 'phone');
  }
  return out;
}

/**
 * The corrected email or phone this customer may not take: erased on request or bound to another
 * golden record (the ECIF would refuse the whole record at the end). One message for both: which of
 * the two it is would tell the caller about someone else.
 */
export async function correctionRefusal(
  deps: { ecif: EcifRegistry; hash: IdentityHasher },
  ecifId: string,
  corrections: Corrections,
): Promise<InvalidInputError | undefined> {
  for (const field of identifierFields) {
    const value = corrections[field];
    if (value === undefined) continue;
    if (await identityRefusal(deps.ecif, ecifId, identityKeysOf({ [field]: value }, deps.hash)))
      return new InvalidInputError('a corrected value cannot be taken: another customer holds it, or it was erased', {
        field: `corrections.${field}`,
      });
  }
  return undefined;
}

/** A run stopped before any system is written: the ECIF would refuse a corrected value (no retry helps). */
export class CorrectionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorrectionRefusedError';
  }
}

/** The workflow's check, once the subject is known: for every requester, and again for a signed-in one (it may have changed since). */
export async function assertCorrectionsTakeable(
  deps: { ecif: EcifRegistry; hash: IdentityHasher },
  request: Pick<PrivacyRequest, 'corrections' | 'ecifId'>,
): Promise<void> {
  if (!request.corrections || !request.ecifId) return;
  const refusal = await correctionRefusal(deps, request.ecifId, request.corrections);
  if (refusal) throw new CorrectionRefusedError(`${String(refusal.extensions.field)}: ${refusal.message}`);
}

function refused(err: unknown, field: (typeof identifierFields)[number]): unknown {
  if (!(err instanceof InvalidInputError)) return err;
  return new InvalidInputError(err.message, { field: `corrections.${field}` });
}
