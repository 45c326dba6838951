import { sealNotificationsSecrets } from '../notifications/document';

/**
 * Documents that hold secrets (an SMS provider's token) take them in clear and
 * store them sealed (notifications/secret-box.ts), once their rules have passed.
 */
const SEALERS = new Map<string, (document: Record<string, unknown>) => Record<string, unknown>>([
  ['notifications', sealNotificationsSecrets],
]);

export function sealSecrets(key: string, document: Record<string, unknown>): Record<string, unknown> {
  return SEALERS.get(key)?.(document) ?? document;
}
