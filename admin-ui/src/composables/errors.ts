import { ApiError } from '../api/client';
import { i18n, knownServerMessage, serverMessage } from '../i18n';

/** One sentence for the user about a failed request. */
export function describeError(error: unknown): string {
  const t = i18n.global.t;
  if (!(error instanceof ApiError)) return t('errors.unexpected');
  switch (error.status) {
    case 0: return t('errors.network');
    case 401: return knownServerMessage(error.problem.detail) ?? t('errors.unauthenticated');
    case 403: return error.problem.title === 'platform_admin' ? t('errors.platformAdmin') : t('errors.forbidden', { detail: serverMessage(error.problem.detail ?? '') });
    case 404: return t('errors.notFound');
    case 409: return t('errors.conflict', { detail: serverMessage(error.problem.detail ?? '') });
    case 410: return knownServerMessage(error.problem.detail) ?? t('errors.gone');
    case 413: return t('errors.tooLarge');
    case 422: return error.fieldErrors.length ? t('errors.invalidFields') : t('errors.invalid', { detail: serverMessage(error.problem.detail ?? '') });
    case 429: return t('errors.tooMany');
    // A dependency did not answer in time (a partner's check before booking): the platform says which.
    case 503: return error.problem.detail ? t('errors.unavailable', { detail: serverMessage(error.problem.detail) }) : t('errors.server');
    default: return t('errors.server');
  }
}
