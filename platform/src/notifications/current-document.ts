import { ConfigStore } from '../configuration/store';
import type { Platform } from '../platform';
import { NOTIFICATIONS_KEY, type NotificationsDocument } from './document';

/** The current territory's notifications document in force (the schema's default until a first version). */
export async function currentNotificationsDocument(platform: Platform): Promise<NotificationsDocument> {
  return (await new ConfigStore(platform.schemas).current(NOTIFICATIONS_KEY)).document as unknown as NotificationsDocument;
}
