/**
 * Notification routes outside /api: the agents' webcal feeds, which calendar apps
 * fetch without a token (the secret calendar_uid is the credential), and the dev
 * mailbox, which exists only while mail stays in memory (no SMTP_URL).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { authenticate, bearerToken } from '../auth/authenticate';
import { AppError } from '../errors';
import type { Platform } from '../platform';
import { agentCalendarFeed, feedOwner } from './calendar-feed';
import { devMailbox, escapeHtml } from './mail';
import type { DevMailboxEntry } from './mailer';

function mailboxJson(entry: DevMailboxEntry) {
  const { message } = entry;
  return {
    message_id: entry.messageId,
    sent_at: entry.sentAt,
    from: message.from,
    to: message.to,
    reply_to: message.replyTo ?? null,
    subject: message.subject,
    text: message.text,
    html: message.html,
    calendar: message.calendar ?? null,
    raw: entry.raw,
  };
}

function mailboxHtml(entries: readonly DevMailboxEntry[]): string {
  const items = entries.map(({ message, sentAt, raw }) => `
<details>
  <summary><strong>${escapeHtml(message.subject)}</strong> → ${escapeHtml(message.to.address)}
    <small>${escapeHtml(sentAt.toISOString())}${message.calendar ? ` · ${message.calendar.method}.ics` : ''}</small></summary>
  <pre>${escapeHtml(message.text)}</pre>
  <details><summary>MIME</summary><pre>${escapeHtml(raw)}</pre></details>
</details>`);
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Boîte mail de développement</title></head>
<body style="font-family: sans-serif;">
<h1>Boîte mail de développement</h1>
<p>Sans SMTP_URL, les e-mails restent ici (les ${entries.length} plus récents, en mémoire). JSON : <a href="?format=json">?format=json</a></p>
${items.join('\n') || '<p>Aucun e-mail.</p>'}
</body></html>`;
}

/** The caller's own address is loopback: ctx.ip is the socket's, unless koa is told to trust a proxy (app.proxy). */
function fromLoopback(ctx: Context): boolean {
  const ip = ctx.ip.replace(/^::ffff:/, '');
  return ip === '::1' || /^127\./.test(ip);
}

/**
 * The dev mailbox holds one-time codes and self-service links: a developer reads it
 * on their own machine (embedded database, from loopback), the platform admin anywhere.
 */
async function mayReadMailbox(platform: Platform, ctx: Context): Promise<boolean> {
  if (!platform.config.databaseUrl && fromLoopback(ctx)) return true;
  if (!ctx.get('authorization')) return false;
  const actor = await authenticate(platform, bearerToken(ctx)).catch(() => null);
  return actor?.kind === 'platform_admin';
}

export function mountNotificationPages(router: Router, platform: Platform): void {
  router.get('/calendrier/:uid.ics', async (ctx) => {
    const owner = /^[A-Za-z0-9_-]{16,64}$/.test(ctx.params.uid) ? await feedOwner(platform, ctx.params.uid) : null;
    if (!owner) throw AppError.notFound('Calendar');
    ctx.set('Cache-Control', 'private, max-age=300');
    ctx.type = 'text/calendar; charset=utf-8';
    ctx.body = await agentCalendarFeed(platform, owner);
  });

  router.get('/dev/mailbox', async (ctx) => {
    const mailbox = devMailbox(platform);
    // Not found, rather than forbidden: to others, there is no mailbox here.
    if (!mailbox || !(await mayReadMailbox(platform, ctx))) throw AppError.notFound('Dev mailbox');
    if (ctx.query.format === 'json') {
      ctx.body = { data: mailbox.messages().map(mailboxJson) };
    } else {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = mailboxHtml(mailbox.messages());
    }
  });
}
