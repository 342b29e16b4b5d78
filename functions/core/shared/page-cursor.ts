/**
 * The one cursor codec of every paged route. A cursor is the position of the next page (JSON) and an
 * HMAC-SHA256 over it and the scope it was given for (the subject, the filter), under a key derived
 * from the pepper. A cursor not made here, altered, or made for another scope is a 422 before anything
 * is read: a forged position never reaches the store (as a DynamoDB ExclusiveStartKey, say).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidInputError } from './errors.ts';

export interface PageCursors {
  seal(position: unknown, scope: string): string;
  /** The position sealed for this scope; a 422 for anything else. */
  open<T>(cursor: string, scope: string): T;
}

export function pageCursors(key: string): PageCursors {
  const mac = (scope: string, body: Buffer) =>
    createHmac('sha256', key).update(scope).update('\u0000').update(body).digest();
  return {
    seal(position, scope) {
      const body = Buffer.from(JSON.stringify(position));
      return `${body.toString('base64url')}.${mac(scope, body).toString('base64url')}`;
    },
    open<T>(cursor: string, scope: string): T {
      const [encoded, tag, extra] = cursor.split('.');
      if (encoded && tag && extra === undefined) {
        const body = Buffer.from(encoded, 'base64url');
        const given = Buffer.from(tag, 'base64url');
        const wanted = mac(scope, body);
        if (given.length === wanted.length && timingSafeEqual(given, wanted)) return JSON.parse(body.toString('utf8'));
      }
      throw new InvalidInputError('the cursor is not one this API gave out', { field: 'cursor' });
    },
  };
}
