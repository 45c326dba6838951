import { computed } from 'vue';
import { NOTIFICATION_EVENTS, type NotificationEvent, type NotificationsDocument } from '../api/notifications';
import { useConfigDocument } from './useConfigDocument';

const SCHEMA = 'config/notifications.json';

/**
 * The territory's notifications document (`config/notifications.json`) as a form, read at
 * once: the territory's screen and a motif's tab edit the same versioned document.
 */
export function useNotificationsDocument() {
  const doc = useConfigDocument<NotificationsDocument>('notifications', () => ({
    events: Object.fromEntries(NOTIFICATION_EVENTS.map((event) => [event, { channels: [] }])) as unknown as NotificationsDocument['events'],
    templates: {},
    motif_overrides: {},
    sms: { max_segments: 5, strip_accents: false, include_motif: false, provider: { kind: 'logging' } },
    reminder: { hours_before: 48, working_days_only: true },
  }));
  void doc.reload();
  const value = computed(() => doc.form.value.value);

  /** The event's title as the document's schema gives it. */
  function eventTitle(event: NotificationEvent): string {
    const events = doc.form.registry.value?.property(SCHEMA, 'events')?.schema;
    return (events?.properties?.[event]?.title as string | undefined) ?? event;
  }

  return { doc, value, eventTitle };
}
