import { AppError } from '../errors';

/** A `?name=true|false` query flag, false when absent; anything else is malformed. */
export function readFlag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new AppError('malformed', `${name} must be true or false`, [{ path: name, message: 'must be true or false' }]);
}
