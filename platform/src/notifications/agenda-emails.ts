/**
 * The emails agents get when someone changes their plages d'ouverture or
 * absences (indisponibilités), as their preferences ask: what it is, when, and
 * where for a plage. The agent's own changes are theirs to know already unless
 * they chose "all".
 */
import { DateTime } from 'luxon';
import type { AgendaFields } from '../agenda/definitions';
import type { Platform } from '../platform';
import { senderAddress, shortEmailParts } from './mail';
import type { MailMessage } from './mailer';

export type AgendaModel = 'plage_ouverture' | 'absence';
export type AgendaChangeKind = 'created' | 'updated' | 'destroyed';

/** Both nouns are feminine: the participles below agree with them. */
const NOUN: Record<AgendaModel, string> = { plage_ouverture: "Plage d'ouverture", absence: 'Indisponibilité' };

const VERB: Record<AgendaChangeKind, string> = { created: 'ajoutée', updated: 'modifiée', destroyed: 'supprimée' };

function frenchDay(day: string): string {
  const date = DateTime.fromISO(day, { locale: 'fr' });
  return `${date.toFormat('cccc')} ${date.day === 1 ? '1er' : date.day} ${date.toFormat('LLLL yyyy')}`;
}

function frenchTime(time: string): string {
  return time.slice(0, 5).replace(':', 'h');
}

/** "lundi 7 décembre 2026, 09h00 – 12h00, répétée jusqu'au mercredi 30 juin 2027". */
export function describeAgendaTime(fields: AgendaFields): string {
  const until = fields.end_day && fields.end_day !== fields.first_day ? ` au ${frenchDay(fields.end_day)}` : '';
  const hours = `${frenchTime(fields.start_time)} – ${frenchTime(fields.end_time)}`;
  const repeated = fields.recurrence ? (fields.until ? `, répétée jusqu'au ${frenchDay(fields.until)}` : ', répétée') : '';
  return `${until ? 'du' : 'le'} ${frenchDay(fields.first_day)}${until}, ${hours}${repeated}`;
}

export interface AgendaEmailInput {
  model: AgendaModel;
  change: AgendaChangeKind;
  item: AgendaFields & { title: string | null };
  lieu: { name: string; address: string } | null;
  organisationName: string;
  agent: { name: string; email: string };
  url: string;
}

export function agendaChangeEmail(platform: Platform, input: AgendaEmailInput): MailMessage {
  const headline = `${NOUN[input.model]} ${VERB[input.change]}`;
  const lines: Array<[string, string]> = [
    ['Quand', describeAgendaTime(input.item)],
    ...(input.item.title ? ([['Intitulé', input.item.title]] as Array<[string, string]>) : []),
    ...(input.lieu ? ([['Lieu', `${input.lieu.name}, ${input.lieu.address}`]] as Array<[string, string]>) : []),
  ];
  const greeting = input.agent.name ? `Bonjour ${input.agent.name},` : 'Bonjour,';
  const parts = shortEmailParts({
    greeting, paragraphs: [`${headline} dans votre agenda.`], lines,
    link: { label: 'Voir votre agenda', textLabel: 'Votre agenda', url: input.url },
  });
  return {
    from: senderAddress(platform, input.organisationName),
    to: { name: input.agent.name || input.agent.email, address: input.agent.email },
    subject: `${headline} : ${describeAgendaTime(input.item)}`,
    ...parts,
  };
}
