import net, { type AddressInfo } from 'node:net';
import { AppError } from '../../../platform/src/errors';
import { DEFAULT_TEMPLATES } from '../../../platform/src/notifications/default-templates';
import {
  DevMailbox,
  SmtpMailTransport,
  composeRdvEmail,
  createMailTransport,
  type MailMessage,
  type RdvEmailInput,
} from '../../../platform/src/notifications/mailer';
import { SAMPLE_FACTS } from '../../../platform/src/notifications/merge-fields';
import type { NotificationEvent } from '../../../platform/src/notifications/templates';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtp';
import { icsLines, leafParts, parseMime, partOfType } from './mime';

function rdvEmail(event: NotificationEvent, overrides: Partial<RdvEmailInput> = {}): MailMessage {
  return composeRdvEmail({
    event,
    template: DEFAULT_TEMPLATES[event].email,
    facts: { ...SAMPLE_FACTS, usager: { firstName: 'Hélène', lastName: 'Benoît' } },
    rdvId: '7f3c2a',
    sequence: 1,
    host: 'rdv.example.fr',
    from: { name: 'Mairie de Lyon 3e', address: 'no-reply@rdv.example.fr' },
    to: { name: 'Hélène Benoît', address: 'helene.benoit@example.org' },
    now: new Date('2026-12-01T10:00:00Z'),
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a failure');
}

describe('rdv emails over a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let transport: SmtpMailTransport;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    transport = new SmtpMailTransport(smtp.url);
  });
  afterAll(async () => {
    transport.close();
    await smtp.close();
  });

  it('arrive with French headers, a text part, an HTML part and the calendar request', async () => {
    const { messageId } = await transport.send(rdvEmail('rdv_created'));
    expect(messageId).toMatch(/^<.+@.+>$/);
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail.from).toBe('no-reply@rdv.example.fr');
    expect(mail.to).toEqual(['helene.benoit@example.org']);

    // Non-ASCII headers travel as RFC 2047 encoded words and decode to the French text.
    expect(mail.raw).toMatch(/^Subject: =\?UTF-8\?[QB]\?/m);
    expect(mail.raw).not.toMatch(/^Subject: .*é/m);
    const message = parseMime(mail.raw);
    expect(message.headers.get('subject')).toBe('Rendez-vous confirmé le lundi 7 décembre 2026 à 09h00');
    expect(message.headers.get('from')).toBe('Mairie de Lyon 3e <no-reply@rdv.example.fr>');
    expect(message.headers.get('to')).toBe('Hélène Benoît <helene.benoit@example.org>');
    expect(message.headers.get('reply-to')).toBe('Mairie de Lyon 3e <etat-civil@mairie3.example.fr>');
    expect(message.headers.get('message-id')).toBe(messageId);

    const text = partOfType(message, 'text/plain');
    expect(text.body).toContain('Bonjour Hélène Benoît,');
    expect(text.body).toContain('Date : lundi 7 décembre 2026 à 09h00');
    const html = partOfType(message, 'text/html');
    expect(html.body).toContain('<p>Bonjour Hélène Benoît,</p>');
    expect(html.body).toContain('<a href="https://rdv.example.fr/r/k3J9xQ2mVb7LpT4wZs8NcY">');

    const calendarPart = partOfType(message, 'text/calendar');
    expect(calendarPart.headers.get('content-type')).toMatch(/method=REQUEST/i);
    const lines = icsLines(calendarPart.body);
    expect(lines).toContain('METHOD:REQUEST');
    expect(lines).toContain('UID:rdv-7f3c2a@rdv.example.fr');
    expect(lines).toContain('SEQUENCE:1');
    expect(lines).toContain('DTSTART:20261207T080000Z');

    // The same calendar as an attachment, for clients that ignore the alternative.
    const attachment = partOfType(message, 'application/ics');
    expect(attachment.headers.get('content-disposition')).toMatch(/^attachment; filename="?rendez-vous\.ics"?$/);
    expect(icsLines(attachment.body)).toEqual(lines);
    // text, html and calendar are alternatives of one another
    const alternative = message.parts.find((part) => part.headers.get('content-type')?.startsWith('multipart/alternative'));
    expect(alternative?.parts.map((part) => part.headers.get('content-type')?.split(';')[0])).toEqual([
      'text/plain',
      'text/html',
      'text/calendar',
    ]);
  });

  it('carry METHOD:CANCEL when the rdv is cancelled, and no calendar for a no-show', async () => {
    smtp.received.length = 0;
    await transport.send(rdvEmail('rdv_cancelled_by_agent', { sequence: 2 }));
    await transport.send(rdvEmail('rdv_noshow'));
    const [cancelled, noshow] = smtp.received.map((mail) => parseMime(mail.raw));
    const lines = icsLines(partOfType(cancelled, 'text/calendar').body);
    expect(partOfType(cancelled, 'text/calendar').headers.get('content-type')).toMatch(/method=CANCEL/i);
    expect(lines).toEqual(expect.arrayContaining(['METHOD:CANCEL', 'STATUS:CANCELLED', 'SEQUENCE:2', 'UID:rdv-7f3c2a@rdv.example.fr']));
    expect(leafParts(noshow).map((part) => part.headers.get('content-type')?.split(';')[0])).toEqual(['text/plain', 'text/html']);
  });

  it('go over a few connections kept open, not one per message, in a burst', async () => {
    let connections = 0;
    const counted = await startSmtpServer({ onConnect: (_session, callback) => { connections++; callback(); } });
    const pooled = new SmtpMailTransport(counted.url);
    try {
      await Promise.all(Array.from({ length: 20 }, () => pooled.send(rdvEmail('rdv_created'))));
      expect(counted.received).toHaveLength(20);
      expect(connections).toBeLessThanOrEqual(5);
    } finally {
      pooled.close();
      await counted.close();
    }
  });
});

describe('SMTP failures', () => {
  it('a recipient refused for good (550) is a clear invalid error', async () => {
    const smtp = await startSmtpServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('5.1.1 Mailbox does not exist'), { responseCode: 550 }));
      },
    });
    const transport = new SmtpMailTransport(smtp.url);
    try {
      const error = await failureOf(transport.send(rdvEmail('rdv_created')));
      expect(error.kind).toBe('invalid');
      expect(error.message).toMatch(/^The SMTP server refused the message: .*550 5\.1\.1 Mailbox does not exist/);
      expect(error.errors[0].path).toBe('to');
      expect(smtp.received).toHaveLength(0);
    } finally {
      transport.close();
      await smtp.close();
    }
  });

  it('a server that never answers is cut by the timeout and reported unavailable', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // accepts, never greets
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const transport = new SmtpMailTransport(`smtp://127.0.0.1:${port}`, {
      connectionTimeoutMs: 300,
      greetingTimeoutMs: 300,
      socketTimeoutMs: 300,
    });
    const started = Date.now();
    try {
      const error = await failureOf(transport.send(rdvEmail('rdv_created')));
      expect(error.kind).toBe('unavailable');
      expect(error.message).toMatch(/^The SMTP server did not answer in time/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      transport.close();
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a closed port is reported unavailable', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const transport = new SmtpMailTransport(`smtp://127.0.0.1:${port}`);
    const error = await failureOf(transport.send(rdvEmail('rdv_created')));
    transport.close();
    expect(error.kind).toBe('unavailable');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('dev mailbox', () => {
  it('keeps the real MIME text of the last messages, newest first', async () => {
    const mailbox = new DevMailbox(2, () => new Date('2026-12-01T10:00:00Z'));
    await mailbox.send(rdvEmail('rdv_created'));
    await mailbox.send(rdvEmail('rdv_updated'));
    const { messageId } = await mailbox.send(rdvEmail('rdv_cancelled_by_user'));
    const kept = mailbox.messages();
    expect(kept).toHaveLength(2);
    expect(kept[0].messageId).toBe(messageId);
    expect(kept[0].sentAt).toEqual(new Date('2026-12-01T10:00:00Z'));
    const newest = parseMime(kept[0].raw);
    expect(newest.headers.get('subject')).toBe('Annulation de votre rendez-vous du lundi 7 décembre 2026 à 09h00');
    expect(partOfType(newest, 'text/calendar').headers.get('content-type')).toMatch(/method=CANCEL/i);
    expect(parseMime(kept[1].raw).headers.get('subject')).toMatch(/^Rendez-vous modifié/);
    mailbox.clear();
    expect(mailbox.messages()).toEqual([]);
  });

  it('is what the platform uses when SMTP_URL is not set', () => {
    expect(createMailTransport({})).toBeInstanceOf(DevMailbox);
    const smtp = createMailTransport({ SMTP_URL: 'smtp://127.0.0.1:2525' });
    expect(smtp).toBeInstanceOf(SmtpMailTransport);
    (smtp as SmtpMailTransport).close();
  });
});
