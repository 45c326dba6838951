import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../../../platform/src/errors';
import { HttpSmsProvider, LoggingSmsProvider, smsProviderBody, type HttpSmsProviderConfig } from '../../../platform/src/notifications/sms-providers';
import { HttpClient } from '../../../platform/src/plugins/http-client';

interface Request {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply = (response: http.ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 that records requests and answers with `reply`. */
async function startProviderServer() {
  const requests: Request[] = [];
  let reply: Reply = (response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"msg-1"}');
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      reply(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/sms`,
    requests,
    answer(next: Reply) {
      reply = next;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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

/** The provider listens on 127.0.0.1: reachable only where the instance allows private targets. */
const allowing = new HttpClient({ allowPrivateTargets: true, maxTimeoutMs: 60_000 });
const guarded = new HttpClient({ allowPrivateTargets: false, maxTimeoutMs: 60_000 });

const message = { to: '+33612345678', text: 'RDV confirmé le lundi 7 décembre 2026 à 09h00.\n"Infos" : https://rdv.example.fr/r/abc' };

describe('generic HTTP SMS provider', () => {
  let provider: Awaited<ReturnType<typeof startProviderServer>>;
  beforeAll(async () => {
    provider = await startProviderServer();
  });
  afterAll(() => provider.close());
  beforeEach(() => {
    provider.requests.length = 0;
  });

  function configured(config: Partial<HttpSmsProviderConfig> = {}) {
    return new HttpSmsProvider({ url: provider.url, headers: { authorization: 'Bearer s3cret' }, messageIdField: 'id', ...config }, allowing, () => 'fixed');
  }

  it('posts the JSON body with the recipient and the text, and the auth header', async () => {
    const sent = await configured().send(message);
    expect(sent).toEqual({ providerMessageId: 'msg-1' });
    expect(provider.requests).toHaveLength(1);
    const [request] = provider.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/sms');
    expect(request.headers.authorization).toBe('Bearer s3cret');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ to: '+33612345678', text: message.text });
  });

  it("fills the provider's own body shape, escaping the text as JSON", async () => {
    provider.answer((response) => response.writeHead(201).end('{"data":{"message_id":42}}'));
    const sent = await configured({
      body: { sender: 'MAIRIE', recipients: ['{{to}}'], content: { body: 'Mairie de Lyon : {{ text }}' }, priority: 1 },
      messageIdField: 'data.message_id',
    }).send(message);
    expect(sent).toEqual({ providerMessageId: '42' });
    expect(JSON.parse(provider.requests[0].body)).toEqual({
      sender: 'MAIRIE',
      recipients: ['+33612345678'],
      content: { body: `Mairie de Lyon : ${message.text}` },
      priority: 1,
    });
  });

  it('gives a local id when the provider answers none', async () => {
    provider.answer((response) => response.writeHead(204).end());
    expect(await configured().send(message)).toEqual({ providerMessageId: 'local-fixed' });
  });

  it('reports a refusal (4xx) as invalid and a provider failure (5xx, 429) as unavailable, by status, never with the answer', async () => {
    provider.answer((response) => response.writeHead(400).end('{"error":"invalid number","internal":"db-7.corp"}'));
    const refused = await failureOf(configured().send(message));
    expect(refused.kind).toBe('invalid');
    expect(refused.message).toBe('Le fournisseur SMS a refusé le message (HTTP 400)');

    provider.answer((response) => response.writeHead(503).end('maintenance'));
    const down = await failureOf(configured().send(message));
    expect(down.kind).toBe('unavailable');
    expect(down.message).toBe('Le fournisseur SMS est indisponible pour le moment (HTTP 503)');

    provider.answer((response) => response.writeHead(429).end());
    expect((await failureOf(configured().send(message))).kind).toBe('unavailable');
  });

  it('does not follow a redirect, and keeps no message id that is not a short token', async () => {
    provider.answer((response) => response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end());
    const redirected = await failureOf(configured().send(message));
    expect(redirected.kind).toBe('invalid');
    expect(redirected.message).toBe("Le fournisseur SMS renvoie vers une autre adresse, qui n'est pas suivie (HTTP 302)");
    expect(provider.requests).toHaveLength(1);

    provider.answer((response) => response.writeHead(200).end(JSON.stringify({ id: 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1' })));
    expect(await configured().send(message)).toEqual({ providerMessageId: 'local-fixed' });
  });

  it('refuses a provider on a private or loopback address unless the instance allows them, without calling it', async () => {
    const error = await failureOf(new HttpSmsProvider({ url: provider.url }, guarded).send(message));
    expect(error.kind).toBe('invalid');
    expect(error.message).toBe("L'adresse du fournisseur SMS est privée ou locale : envoi refusé");
    expect(provider.requests).toHaveLength(0);
  });

  it('gives up after its timeout when the provider does not answer', async () => {
    provider.answer(() => undefined); // never answers
    const started = Date.now();
    const error = await failureOf(configured({ timeoutMs: 300 }).send(message));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe("Le fournisseur SMS est injoignable ou n'a pas répondu dans les 0.3 s");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports an unreachable provider as unavailable', async () => {
    const closed = await startProviderServer();
    await closed.close();
    const error = await failureOf(new HttpSmsProvider({ url: closed.url }, allowing).send(message));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe("Le fournisseur SMS est injoignable ou n'a pas répondu dans les 10 s");
  });

  it.each([
    [{ url: 'ftp://sms.example.fr' }, 'url', 'must be an http(s) URL'],
    [{ url: 'not a url' }, 'url', 'must be an http(s) URL'],
    [{ url: 'https://sms.example.fr', body: { to: '{{to}}' } }, 'body', 'must contain {{text}}'],
    [{ url: 'https://sms.example.fr', body: { to: '{{to}}', text: '{{text}}', token: '{{secret}}' } }, 'body', 'unknown placeholder {{secret}}'],
  ])('refuses a configuration: %j', (config, path, text) => {
    let error: unknown;
    try {
      smsProviderBody(config as HttpSmsProviderConfig);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).errors[0]).toEqual({ path, message: expect.stringContaining(text) });
  });
});

describe('logging SMS provider', () => {
  it('logs the masked number and the segments, never the text', async () => {
    const logged: Array<{ message: string; fields: Record<string, unknown> }> = [];
    const provider = new LoggingSmsProvider({ info: (logMessage, fields) => logged.push({ message: logMessage, fields }) }, () => 'fixed');
    expect(await provider.send(message)).toEqual({ providerMessageId: 'logged-fixed' });
    expect(logged).toEqual([
      {
        message: 'SMS logged, not sent',
        fields: { to: '+33*******78', segments: 1, encoding: 'GSM-7', providerMessageId: 'logged-fixed' },
      },
    ]);
    expect(JSON.stringify(logged)).not.toContain('décembre');
    expect(JSON.stringify(logged)).not.toContain('12345678');
  });
});
