/**
 * The French texts sent when a territory has written none. Each email is
 * described once (subject, paragraphs, which blocks it shows) and its text and
 * HTML parts are both generated from that description, so they cannot drift.
 * They are ordinary templates: an admin can start from them and edit.
 */
import { NOTIFICATION_EVENTS, type NotificationChannel, type NotificationEvent, type TemplateByChannel } from './templates';

interface EmailSpec {
  subject: string;
  /** Paragraphs after the greeting (Handlebars, may hold {{#if}}). */
  paragraphs: string[];
  /** Date, duration, motif, lieu, agents, service and the motif's instructions. */
  details: boolean;
  /** The self-service link. */
  manageLink: boolean;
  /** The sentence before the organisation's contact details, which close every email. */
  contactLead: string;
}

const EMAILS: Record<NotificationEvent, EmailSpec> = {
  rdv_created: {
    subject: 'Rendez-vous confirmé le {{rdv.date_time}}',
    paragraphs: ['Votre rendez-vous est confirmé.'],
    details: true,
    manageLink: true,
    contactLead: 'Pour toute question :',
  },
  rdv_updated: {
    subject: 'Rendez-vous modifié : {{rdv.date_time}}',
    paragraphs: [
      'Votre rendez-vous a été modifié.{{#if rdv.previous_date_time}} Il était prévu le {{rdv.previous_date_time}}.{{/if}} Voici ses nouvelles informations.',
    ],
    details: true,
    manageLink: true,
    contactLead: 'Pour toute question :',
  },
  rdv_cancelled_by_agent: {
    subject: 'Rendez-vous du {{rdv.date_time}} annulé',
    paragraphs: [
      'Votre rendez-vous du {{rdv.date_time}} a été annulé par {{organisation.name}}. Nous vous prions de nous en excuser.',
    ],
    details: false,
    manageLink: false,
    contactLead: 'Pour prendre un nouveau rendez-vous, contactez-nous :',
  },
  rdv_cancelled_by_user: {
    subject: 'Annulation de votre rendez-vous du {{rdv.date_time}}',
    paragraphs: ["Nous avons bien enregistré l'annulation de votre rendez-vous du {{rdv.date_time}}."],
    details: false,
    manageLink: false,
    contactLead: 'Pour prendre un nouveau rendez-vous, contactez-nous :',
  },
  rdv_reminder: {
    subject: 'Rappel : rendez-vous le {{rdv.date_time}}',
    paragraphs: ['Nous vous rappelons votre rendez-vous.', "Si vous ne pouvez pas venir, merci de l'annuler pour libérer la place."],
    details: true,
    manageLink: true,
    contactLead: 'Pour toute question :',
  },
  rdv_noshow: {
    subject: 'Rendez-vous manqué du {{rdv.date_time}}',
    paragraphs: ["Vous n'étiez pas présent(e) à votre rendez-vous du {{rdv.date_time}}."],
    details: false,
    manageLink: false,
    contactLead: 'Pour prendre un nouveau rendez-vous, contactez-nous :',
  },
  rdv_unscheduled: {
    subject: 'Rendez-vous du {{rdv.date_time}} déprogrammé',
    paragraphs: [
      'À la suite d’une modification du planning, votre rendez-vous du {{rdv.date_time}} ne peut pas être maintenu. Nous vous prions de nous en excuser.',
    ],
    details: false,
    manageLink: false,
    contactLead: 'Pour prendre un nouveau rendez-vous, contactez-nous :',
  },
};

const SMS: Record<NotificationEvent, string> = {
  rdv_created:
    'RDV confirmé le {{rdv.date_time}}{{#if lieu.name}}, {{lieu.name}}, {{lieu.address}}{{/if}}.\nInfos et annulation : {{rdv.manage_url}}',
  rdv_updated:
    'RDV modifié : le {{rdv.date_time}}{{#if lieu.name}}, {{lieu.name}}, {{lieu.address}}{{/if}}.\nInfos et annulation : {{rdv.manage_url}}',
  rdv_cancelled_by_agent:
    'Votre RDV du {{rdv.date_time}} est annulé par {{organisation.name}}.{{#if organisation.phone}} Pour un nouveau RDV : {{organisation.phone}}{{/if}}',
  rdv_cancelled_by_user: "L'annulation de votre RDV du {{rdv.date_time}} est enregistrée. {{organisation.name}}",
  rdv_reminder:
    'Rappel : RDV le {{rdv.date_time}}{{#if lieu.name}}, {{lieu.name}}, {{lieu.address}}{{/if}}.\nInfos et annulation : {{rdv.manage_url}}',
  rdv_noshow:
    'Vous avez manqué votre RDV du {{rdv.date_time}}.{{#if organisation.phone}} Pour un nouveau RDV : {{organisation.phone}}.{{/if}} {{organisation.name}}',
  rdv_unscheduled:
    'Votre RDV du {{rdv.date_time}} ne peut pas avoir lieu (modification du planning), veuillez nous excuser.{{#if organisation.phone}} Pour un nouveau RDV : {{organisation.phone}}.{{/if}} {{organisation.name}}',
};

/** Lines of the details block: [label, value, the field whose emptiness hides the line]. */
const DETAILS: Array<[string, string, string | null]> = [
  ['Date', '{{rdv.date_time}}', null],
  ['Durée', '{{rdv.duration}}', null],
  ['Motif', '{{motif.name}}', null],
  ['Lieu', '{{lieu.name}}, {{lieu.address}}', 'lieu.name'],
  ['Avec', '{{agents.names}}', 'agents.names'],
  ['Service', '{{service.name}}', null],
];

const INSTRUCTIONS_TITLE = 'Informations à retenir';
const MANAGE_SENTENCE = 'Pour consulter, déplacer ou annuler votre rendez-vous';
const CONTACT_FIELDS = ['organisation.phone', 'organisation.email'];

/** `body` on its own lines, shown only when `fieldName` has a value. */
function when(fieldName: string | null, body: string): string {
  return fieldName ? `{{#if ${fieldName}}}\n${body}\n{{/if}}` : body;
}

function emailText(spec: EmailSpec): string {
  const blocks = ['Bonjour {{usager.full_name}},', ...spec.paragraphs];
  if (spec.details) {
    const rows = DETAILS.map(([label, value, condition]) => when(condition, `${label} : ${value}`));
    rows.push(when('motif.instructions', `\n${INSTRUCTIONS_TITLE} :\n{{motif.instructions}}`));
    blocks.push(rows.join('\n'));
  }
  if (spec.manageLink) blocks.push(`${MANAGE_SENTENCE} : {{rdv.manage_url}}`);
  blocks.push([spec.contactLead, '{{organisation.name}}', ...CONTACT_FIELDS.map((name) => when(name, `{{${name}}}`))].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

function emailHtml(spec: EmailSpec): string {
  const blocks = ['<p>Bonjour {{usager.full_name}},</p>', ...spec.paragraphs.map((paragraph) => `<p>${paragraph}</p>`)];
  if (spec.details) {
    const rows = DETAILS.map(([label, value, condition]) => when(condition, `<li><strong>${label} :</strong> ${value}</li>`));
    const instructions = when(
      'motif.instructions',
      `<p><strong>${INSTRUCTIONS_TITLE} :</strong></p>\n<p style="white-space: pre-line;">{{motif.instructions}}</p>`,
    );
    blocks.push(`<ul style="list-style: none; padding: 0;">\n${rows.join('\n')}\n</ul>\n${instructions}`);
  }
  if (spec.manageLink) blocks.push(`<p>${MANAGE_SENTENCE} : <a href="{{rdv.manage_url}}">{{rdv.manage_url}}</a></p>`);
  const contact = ['{{organisation.name}}', ...CONTACT_FIELDS.map((name) => when(name, `<br>{{${name}}}`))];
  blocks.push(`<p>${spec.contactLead}<br>\n${contact.join('\n')}\n</p>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="fr">',
    `<head><meta charset="utf-8"><title>${spec.subject}</title></head>`,
    '<body style="font-family: Arial, Helvetica, sans-serif; color: #161616; line-height: 1.5;">',
    ...blocks,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export const DEFAULT_TEMPLATES: Readonly<Record<NotificationEvent, TemplateByChannel>> = Object.fromEntries(
  NOTIFICATION_EVENTS.map((event) => {
    const spec = EMAILS[event];
    return [event, { email: { subject: spec.subject, text: emailText(spec), html: emailHtml(spec) }, sms: { text: SMS[event] } }];
  }),
) as Record<NotificationEvent, TemplateByChannel>;

export function defaultTemplate<C extends NotificationChannel>(event: NotificationEvent, channel: C): TemplateByChannel[C] {
  return DEFAULT_TEMPLATES[event][channel];
}
