import { ApiError } from '../api/client';
import { i18n, serverText } from '../i18n';

/** `2 min`, `45 s`: how long to wait, from a Retry-After in seconds. */
export function formatWait(seconds: number): string {
  const t = i18n.global.t;
  if (seconds < 60) return t('wait.seconds', { n: seconds }, seconds);
  const minutes = Math.ceil(seconds / 60);
  return t('wait.minutes', { n: minutes }, minutes);
}

/**
 * One sentence for the usager about a failed request. `notFound` names what was
 * missing in the screen's words (an organisation, a rdv); 409 and 422 come with the
 * platform's reason.
 */
export function describeError(error: unknown, notFound = 'errors.notFound'): string {
  const t = i18n.global.t;
  if (!(error instanceof ApiError)) return t('errors.unexpected');
  switch (error.status) {
    case 0: return t('errors.network');
    case 404: return t(notFound);
    case 409:
    case 410:
    case 403:
    case 422: return serverText(error.problem.detail) || t('errors.refused');
    case 429: {
      const detail = serverText(error.problem.detail) || t('errors.tooMany');
      return error.retryAfterSeconds === null ? detail : t('errors.retryIn', { detail, wait: formatWait(error.retryAfterSeconds) });
    }
    default: return t('errors.server');
  }
}
