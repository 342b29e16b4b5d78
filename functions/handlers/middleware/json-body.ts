/** Reads a JSON body: content type, size and syntax are checked before any schema. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError } from '#core/shared/errors.ts';

export const MAX_BODY_BYTES = 256 * 1024;

export function readJsonBody(event: APIGatewayProxyEventV2, limit = MAX_BODY_BYTES): unknown {
  const type = (event.headers?.['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new UnsupportedMediaTypeError('send the body as application/json');
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > limit) throw new PayloadTooLargeError(`the body exceeds ${limit} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedBodyError('the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new MalformedBodyError('the body is empty');
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedBodyError('the body is not valid JSON');
  }
}
