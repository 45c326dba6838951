import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PluginTestHarness, validateConfig } from '../testing';
import auditLog from './index';

interface Received {
  authorization?: string;
  body: Record<string, unknown>;
}

describe('the example audit log plugin', () => {
  let server: http.Server;
  let archiveUrl: string;
  const received: Received[] = [];
  let answer = 201;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ authorization: request.headers.authorization, body: JSON.parse(body) });
        response.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    archiveUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/archive`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    received.length = 0;
    answer = 201;
  });

  it('logs the changes of the chosen models only', async () => {
    const harness = new PluginTestHarness(auditLog, { config: { models: ['lieu'] } });
    await harness.sendEvent({ model: 'lieu', event: 'updated', record_id: 'lieu-1' });
    await harness.sendEvent({ model: 'motif', event: 'created' });
    expect(harness.messages('info')).toEqual(['lieu updated']);
    expect(harness.logs[0].fields.record_id).toBe('lieu-1');
    expect(received).toHaveLength(0);
  });

  it('forwards each change to the archive with the stored token', async () => {
    const harness = new PluginTestHarness(auditLog, { config: { models: [], archive_url: archiveUrl }, secrets: { archive_token: 'token-of-the-archive' } });
    await harness.sendEvent({ id: '42', model: 'rdv', event: 'destroyed', record_id: 'rdv-7' });
    expect(received).toEqual([{
      authorization: 'Bearer token-of-the-archive',
      body: { id: '42', model: 'rdv', event: 'destroyed', record_id: 'rdv-7', at: '2026-03-02T10:00:00.000+01:00' },
    }]);
  });

  it('fails the event when the archive refuses it, so that the platform retries', async () => {
    answer = 503;
    const harness = new PluginTestHarness(auditLog, { config: { models: [], archive_url: archiveUrl } });
    await expect(harness.sendEvent()).rejects.toThrow('The archive answered 503');
    expect(received[0].authorization).toBeUndefined();
  });

  it('refuses to reach a loopback archive unless the instance allows private targets', async () => {
    const harness = new PluginTestHarness(auditLog, { config: { models: [], archive_url: archiveUrl }, allowPrivateTargets: false });
    await expect(harness.sendEvent()).rejects.toThrow(/private or loopback/);
    expect(received).toHaveLength(0);
  });

  it('stores the token through its route, for territorial admins once an archive is set', async () => {
    const harness = new PluginTestHarness(auditLog, { config: { models: [], archive_url: archiveUrl } });
    await expect(harness.callRoute('put', '/archive_token', { body: { token: 'short' } })).rejects.toMatchObject({
      kind: 'invalid', errors: [{ path: 'token', message: 'must NOT have fewer than 16 characters' }],
    });
    await expect(harness.callRoute('put', '/archive_token', { body: { token: 'a-long-enough-token' }, agent: { roles: {} } }))
      .rejects.toMatchObject({ kind: 'forbidden' });
    await harness.callRoute('put', '/archive_token', { body: { token: 'a-long-enough-token' } });
    expect(harness.secrets.get('archive_token')).toBe('a-long-enough-token');

    const withoutArchive = new PluginTestHarness(auditLog);
    await expect(withoutArchive.callRoute('put', '/archive_token', { body: { token: 'a-long-enough-token' } })).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('has its configuration checked by its schema, with field paths', () => {
    expect(() => validateConfig(auditLog, { models: ['Not A Model'], archive_url: 'ftp://archive.example' })).toThrow(
      expect.objectContaining({
        errors: expect.arrayContaining([
          { path: 'config.models.0', message: 'must match pattern "^[a-z_]+$"' },
          { path: 'config.archive_url', message: 'must match pattern "^https?://"' },
        ]),
      }),
    );
  });
});
