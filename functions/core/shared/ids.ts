import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: time-ordered, so request ids and events sort by creation. */
export function newId(at: Date = new Date()): string {
  let time = at.getTime();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = alphabet[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += alphabet[bytes[i] % 32];
  return head + tail;
}
