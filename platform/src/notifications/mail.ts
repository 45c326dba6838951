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
