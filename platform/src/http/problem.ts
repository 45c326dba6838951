import type { Context, Next } from 'koa';
import { AppError } from '../errors';
import { logger } from '../logging';

const TITLES: Record<number, string> = {
  400: 'Malformed request',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Invalid',
  428: 'Precondition required',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

/** Turns every thrown error into application/problem+json; unexpected ones are logged, not shown. */
export async function problemDetails(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw AppError.notFound('Route');
  } catch (thrown) {
    const error = asAppError(thrown);
    ctx.status = error.status;
    ctx.type = 'application/problem+json';
    if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
    ctx.body = {
      type: `about:blank#${error.kind}`,
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
      errors: error.errors,
      ...error.extensions,
    };
  }
}

function asAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  logger.error({ err: thrown }, 'unexpected error');
  return new AppError('internal', 'An unexpected error occurred');
}
