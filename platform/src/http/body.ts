import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { AppError } from '../errors';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON body: 415 unless JSON, 413 over 1 MiB, 400 when it does not parse. */
export async function readJsonBody(ctx: Context): Promise<unknown> {
  const length = Number(ctx.get('content-length') || 0);
  if (!length && !ctx.req.headers['transfer-encoding']) return undefined;
  if (!ctx.is('application/json')) {
    throw new AppError('malformed', 'The body must be application/json');
  }
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: MAX_BODY_BYTES, encoding: 'utf8' });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') {
      throw new AppError('too_large', `The body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    throw new AppError('malformed', 'The body could not be read');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('malformed', 'The body is not valid JSON');
  }
}
