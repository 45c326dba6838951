/**
 * The emails agents get when an rdv of their agenda is added, changed or
 * cancelled, with the calendar file that updates their own calendar. Like the
 * webcal feed, they carry the motif, the place and a link, and nothing about
 * the usagers: agents forward these to calendars hosted elsewhere.
 */
import type { Platform } from '../platform';
import { rdvAdminUrl } from './calendar-feed';
import { buildRdvCalendar, type CalendarMethod } from './ical';
import { platformHost, senderAddress, shortEmailParts } from './mail';
import { frenchDateTime } from './merge-fields';
import type { MailMessage } from './mailer';
import { agentName, type RdvSnapshot, type SnapshotAgent } from './rdv-snapshot';

export type AgentRdvChange = 'created' | 'updated' | 'cancelled';

const WORDING: Record<AgentRdvChange, { subject: string; sentence: string; method: CalendarMethod }> = {
  created: { subject: 'RDV ajouté', sentence: 'Un rendez-vous a été ajouté à votre agenda.', method: 'REQUEST' },
  updated: { subject: 'RDV modifié', sentence: 'Un rendez-vous de votre agenda a été modifié.', method: 'REQUEST' },
  cancelled: { subject: 'RDV annulé', sentence: 'Un rendez-vous de votre agenda a été annulé.', method: 'CANCEL' },
};

function greetingOf(agent: SnapshotAgent): string {
  const name = agentName(agent);
  return name ? `Bonjour ${name},` : 'Bonjour,';
}

/** The agent's way to the rdv fiche, in the admin UI. */
function rdvLink(url: string) {
  return { label: 'Voir le rendez-vous', textLabel: 'Détails', url };
}

export function agentRdvEmail(
  platform: Platform,
  snapshot: RdvSnapshot,
  agent: SnapshotAgent & { email: string },
  change: AgentRdvChange,
  previousStartsAt: Date | null,
): MailMessage {
  const wording = WORDING[change];
  const when = frenchDateTime(snapshot.starts_at, snapshot.timezone);
  const place = snapshot.lieu ? `${snapshot.lieu.name}, ${snapshot.lieu.address}` : null;
  const url = rdvAdminUrl(platform, snapshot.id);
  const lines: Array<[string, string]> = [
    ['Date', when],
    ...(previousStartsAt ? ([['Auparavant', frenchDateTime(previousStartsAt, snapshot.timezone)]] as Array<[string, string]>) : []),
    ['Motif', snapshot.motif.name],
    ...(place ? ([['Lieu', place]] as Array<[string, string]>) : []),
  ];
  const parts = shortEmailParts({ greeting: greetingOf(agent), paragraphs: [wording.sentence], lines, link: rdvLink(url) });
  const from = senderAddress(platform, snapshot.organisation.name);
  return {
    from,
    to: { name: agentName(agent) || agent.email, address: agent.email },
    subject: `${wording.subject} : ${when} – ${snapshot.motif.name}`,
    ...parts,
    calendar: {
      method: wording.method,
      content: buildRdvCalendar({
        rdvId: snapshot.id,
        host: platformHost(platform),
        method: wording.method,
        sequence: snapshot.sequence,
        startsAt: snapshot.starts_at,
        endsAt: snapshot.ends_at,
        summary: snapshot.motif.name,
        location: place,
        description: `Détails : ${url}`,
        url,
        organizer: { name: snapshot.organisation.name, email: from.address },
        attendee: { name: agentName(agent) || agent.email, email: agent.email },
        now: platform.clock.now(),
      }),
    },
  };
}

/**
 * Salle d'attente: the usagers of an rdv of the agent's have arrived (the territory's
 * waiting_room settings ask for an email). No calendar file: nothing to forward.
 */
export function agentArrivalEmail(platform: Platform, snapshot: RdvSnapshot, agent: SnapshotAgent & { email: string }): MailMessage {
  const time = new Intl.DateTimeFormat('fr-FR', { timeZone: snapshot.timezone, hour: '2-digit', minute: '2-digit' }).format(snapshot.starts_at);
  const usagers = snapshot.participations
    .filter((participation) => !['excused', 'revoked'].includes(participation.status))
    .map((participation) => `${participation.user.first_name} ${participation.user.last_name}`)
    .join(', ') || snapshot.name || snapshot.motif.name;
  const sentence = `${usagers} est arrivé(e) en salle d'attente pour le rendez-vous de ${time} (${snapshot.motif.name}).`;
  const url = rdvAdminUrl(platform, snapshot.id);
  return {
    from: senderAddress(platform, snapshot.organisation.name),
    to: { name: agentName(agent) || agent.email, address: agent.email },
    subject: `Usager arrivé : ${usagers} – RDV de ${time}`,
    ...shortEmailParts({ greeting: greetingOf(agent), paragraphs: [sentence], link: rdvLink(url) }),
  };
}
