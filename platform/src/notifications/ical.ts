/**
 * The iCalendar (RFC 5545 / iTIP RFC 5546) file an email carries, so the
 * usager's calendar adds, moves or removes the rdv by itself: one stable UID per
 * rdv, a SEQUENCE that rises with each change, METHOD REQUEST while it stands
 * and METHOD CANCEL with STATUS CANCELLED when it is gone. Times are in UTC,
 * which every client reads without a VTIMEZONE block.
 */
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { NotificationEvent } from './templates';

export type CalendarMethod = 'REQUEST' | 'CANCEL';

const METHOD_OF_EVENT: Record<NotificationEvent, CalendarMethod | null> = {
  rdv_created: 'REQUEST',
  rdv_updated: 'REQUEST',
  rdv_reminder: 'REQUEST',
  rdv_cancelled_by_agent: 'CANCEL',
  rdv_cancelled_by_user: 'CANCEL',
  rdv_unscheduled: 'CANCEL',
  rdv_noshow: null, // the rdv is past: nothing to change in a calendar
};

/** The calendar method an event's email carries, or null when it carries no calendar. */
export function calendarMethodFor(event: NotificationEvent): CalendarMethod | null {
  return METHOD_OF_EVENT[event];
}

/** The same for every message about one rdv, so calendars update the event instead of adding another. */
export function rdvCalendarUid(rdvId: string, host: string): string {
  return `rdv-${rdvId}@${host}`;
}

export interface RdvCalendarInput {
  rdvId: string;
  /** The platform's host name, the right-hand part of the UID. */
  host: string;
  method: CalendarMethod;
  /** 0 at creation, then one more at each change the usager is told about (the caller keeps it). */
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  summary: string;
  location?: string | null;
  description?: string | null;
  url?: string | null;
  organizer: { name: string; email: string };
  /** The usager the email goes to. */
  attendee?: { name: string; email: string } | null;
  /** DTSTAMP: when this version of the event is issued. */
  now: Date;
}

export function buildRdvCalendar(input: RdvCalendarInput): string {
  const cancelled = input.method === 'CANCEL';
  const calendar = ical({
    prodId: { company: 'lapin', product: 'rdv', language: 'FR' },
    method: cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: rdvCalendarUid(input.rdvId, input.host),
    sequence: input.sequence,
    stamp: input.now,
    start: input.startsAt,
    end: input.endsAt,
    summary: input.summary,
    location: input.location || null,
    description: input.description || null,
    url: input.url || null,
    organizer: input.organizer,
    attendees: input.attendee
      ? [
          {
            name: input.attendee.name,
            email: input.attendee.email,
            role: ICalAttendeeRole.REQ,
            status: cancelled ? ICalAttendeeStatus.DECLINED : ICalAttendeeStatus.ACCEPTED,
            rsvp: false, // booked already: no accept/decline buttons
          },
        ]
      : [],
    status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}
