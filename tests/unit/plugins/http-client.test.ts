import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient, isPrivateAddress } from '../../../platform/src/plugins/http-client';

describe("plugins' HTTP client", () => {
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.url === '/redirect') return void response.writeHead(301, { location: '/target' }).end();
      if (request.url === '/slow') return void setTimeout(() => response.writeHead(200).end('late'), 500);
      if (request.url === '/huge') return void response.writeHead(200).end(Buffer.alloc(1024 * 1024, 'y'));
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => response.writeHead(200, { 'x-echo': request.method! }).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const allowing = new HttpClient({ allowPrivateTargets: true, maxTimeoutMs: 200 });
  const guarded = new HttpClient({ allowPrivateTargets: false, maxTimeoutMs: 200 });

  it.each([
    ['127.0.0.1', true], ['10.1.2.3', true], ['172.20.0.1', true], ['192.168.1.1', true], ['169.254.169.254', true],
    ['100.64.0.1', true], ['0.0.0.0', true], ['224.0.0.1', true], ['::1', true], ['fd00::1', true], ['fe80::1', true],
    ['::ffff:127.0.0.1', true], ['not an address', true], ['93.184.216.34', false], ['2606:4700::1111', false], ['172.32.0.1', false],
  ])('counts %s as private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('sends a request and reads the answer', async () => {
    const response = await allowing.request(`${base}/echo`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(response).toMatchObject({ status: 200, body: '{"a":1}', truncated: false, headers: expect.objectContaining({ 'x-echo': 'POST' }) });
  });

  it('answers a redirect as it is, without following it', async () => {
    const response = await allowing.request(`${base}/redirect`);
    expect(response.status).toBe(301);
    expect(response.headers.location).toBe('/target');
  });

  it('gives up at the instance ceiling, whatever the plugin asks', async () => {
    await expect(allowing.request(`${base}/slow`, { timeoutMs: 10_000 })).rejects.toMatchObject({ kind: 'unavailable', message: 'no answer within 200 ms' });
  });

  it('reads no more of an answer than asked', async () => {
    const response = await allowing.request(`${base}/huge`, { maxResponseBytes: 1000 });
    expect(response).toMatchObject({ status: 200, truncated: true });
    expect(response.body).toHaveLength(1000);
  });

  it('refuses other schemes, and private or loopback targets unless allowed, by address or by name', async () => {
    await expect(allowing.request('file:///etc/passwd')).rejects.toMatchObject({ kind: 'invalid', message: 'must be an http or https URL' });
    await expect(guarded.request(`${base}/echo`)).rejects.toMatchObject({ kind: 'invalid', message: 'the address 127.0.0.1 is private or loopback: refused' });
    await expect(guarded.request(base.replace('127.0.0.1', 'localhost'))).rejects.toMatchObject({ kind: 'invalid', message: expect.stringMatching(/private or loopback/) });
    await expect(guarded.checkTarget('http://[::1]:8080/')).rejects.toMatchObject({ message: 'the address ::1 is private or loopback: refused' });
    await expect(guarded.checkTarget('https://no-such-host.invalid/')).rejects.toMatchObject({ kind: 'invalid', message: 'the host no-such-host.invalid does not resolve' });
    await expect(allowing.checkTarget(`${base}/echo`)).resolves.toBeUndefined();
  });
});
