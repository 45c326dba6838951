import { isIP } from 'node:net';
import type { Platform } from '../platform';
import { createMailTransport, DevMailbox, type MailAddress, type MailTransport } from './mailer';

/** The platform's one mail transport, made on first use: SMTP when SMTP_URL is set, else the dev mailbox. */
export function platformMail(platform: Platform): MailTransport {
  platform.mail ??= createMailTransport({ SMTP_URL: platform.config.smtpUrl });
  return platform.mail;
}

/** The dev mailbox, when mail stays in memory (no SMTP_URL); null when it goes to a real server. */
export function devMailbox(platform: Platform): DevMailbox | null {
  if (platform.config.smtpUrl) return null;
  const transport = platformMail(platform);
  return transport instanceof DevMailbox ? transport : null;
}

/** The platform's own host: in email addresses (no-reply@host) and calendar UIDs. */
export function platformHost(platform: Platform): string {
  const { hostname } = new URL(platform.config.publicUrl);
  return isIP(hostname) || !hostname.includes('.') ? 'lapin.localhost' : hostname;
}

/** Emails leave from the platform's no-reply address under the sender's name; answers go to its Reply-To. */
export function senderAddress(platform: Platform, name: string): MailAddress {
  return { name, address: `no-reply@${platformHost(platform)}` };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export interface ShortEmailContent {
  greeting: string;
  paragraphs: string[];
  /** Labelled facts (date, motif, lieu), as a list. */
  lines?: Array<[string, string]>;
  /** `textLabel` leads the address in the text part ("Détails : https://…"); `label` is the HTML link's words. */
  link?: { label: string; textLabel?: string; url: string } | null;
}

/**
 * The text and HTML parts of the platform's own short French emails (codes, agents'
 * notices, prescripteurs' confirmations), both written from one description so that
 * they cannot drift; every value is escaped in the HTML.
 */
export function shortEmailParts(content: ShortEmailContent): { text: string; html: string } {
  const lines = content.lines ?? [];
  const { link } = content;
  const text = [
    content.greeting, '',
    ...content.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...(lines.length > 0 ? [...lines.map(([label, value]) => `${label} : ${value}`), ''] : []),
    ...(link ? [`${link.textLabel ?? link.label} : ${link.url}`, ''] : []),
  ].join('\n');
  const html = [
    '<!DOCTYPE html>',
    '<html lang="fr"><head><meta charset="utf-8"></head><body style="font-family: Arial, Helvetica, sans-serif;">',
    `<p>${escapeHtml(content.greeting)}</p>`,
    ...content.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    ...(lines.length > 0 ? [`<ul>${lines.map(([label, value]) => `<li><strong>${escapeHtml(label)} :</strong> ${escapeHtml(value)}</li>`).join('')}</ul>`] : []),
    ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : []),
    '</body></html>',
    '',
  ].join('\n');
  return { text, html };
}
