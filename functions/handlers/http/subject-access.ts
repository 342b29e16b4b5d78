/** Who may read a subject's consents: crm and auditor any subject; a customer only itself (else 404: existence does not leak). */
import { z } from 'zod';
import { ecifIdSchema } from '#core/ecif/customer.ts';
import type { Actor } from '#core/shared/actor.ts';
import { NotFoundError } from '#core/shared/errors.ts';

export const subjectParams = z.object({ ecifId: ecifIdSchema });

export const maySee = (actor: Actor, ecifId: string): boolean =>
  actor.role !== 'customer' || actor.principal === ecifId;

export function assertMaySee(actor: Actor, ecifId: string): void {
  if (!maySee(actor, ecifId)) throw new NotFoundError('no such subject');
}

/** An instant in any RFC 3339 form, normalized so it compares as text with stored times. */
export const instant = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());
