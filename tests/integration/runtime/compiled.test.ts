import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { buildPlatform, freePort, productionCopy, startProcess, waitUntilAnswering, type PlatformProcess } from '../../support/processes';

/**
 * The compiled server as a production image runs it: plain `node platform/dist/main.js`
 * beside production dependencies only, on PostgreSQL when DATABASE_URL is set, else embedded.
 */
describe('the compiled server', () => {
  let copy: ReturnType<typeof productionCopy>;
  let database: TestDatabase;
  let dataDir: string;
  let server: PlatformProcess;
  let port: number;

  beforeAll(async () => {
    buildPlatform();
    copy = productionCopy();
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lapin-compiled-'));
    port = await freePort();
    server = startProcess('main', {
      PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: database.url, SEED_DEMO: 'false', SHUTDOWN_TIMEOUT_MS: '10000', SHUTDOWN_DRAIN_DELAY_MS: '1500',
      METRICS_TOKEN: 'metrics-token-for-the-test-0123',
    }, copy.root);
    await waitUntilAnswering(`http://127.0.0.1:${port}/health/ready`, server);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    copy?.remove();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with plain node and production dependencies only, and answers its health checks', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: database.url ? 'postgresql' : 'embedded', queue: expect.any(String) });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    // One JSON line per request, with the id the caller gave.
    await fetch(`http://127.0.0.1:${port}/health/live`, { headers: { 'x-request-id': 'probe-42' } });
    const access = await eventually(() => server.output().split('\n').filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line)).find((entry) => entry.request_id === 'probe-42'));
    expect(access).toMatchObject({ level: 'info', message: 'http request', method: 'GET', route: '/health/live', status: 200 });
  });

  it('serves Prometheus metrics to the machine itself or the bearer of METRICS_TOKEN, and 404 to others', async () => {
    const metrics = (headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}/metrics`, { headers });
    const local = await metrics();
    expect(local.status).toBe(200);
    expect(local.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await local.text();
    expect(text).toMatch(/lapin_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} \d+/);
    expect(text).toMatch(/^lapin_outbox_lag_seconds \d/m);
    expect(text).toMatch(/^lapin_process_resident_memory_bytes \d/m);
    // Through a proxy on the same machine, the caller is someone else.
    expect((await metrics({ 'x-forwarded-for': '203.0.113.9' })).status).toBe(404);
    expect((await metrics({ 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer wrong-token' })).status).toBe(404);
    expect((await metrics({ 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer metrics-token-for-the-test-0123' })).status).toBe(200);
  });

  it('on SIGTERM turns not ready while still serving, closes its port, answers the request in flight, then exits 0', async () => {
    // A sign-in whose body is still on its way: in flight when the signal comes.
    const body = JSON.stringify({ email: 'nobody@example.fr', password: 'not-the-right-one' });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/v1/auth/sign_in',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      request.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        void notReadyThenRefused().then(() => request.end(body.slice(10)), reject);
      }, 300);
    });

    const answered = await answer;
    expect(answered.status).toBe(401);
    expect(JSON.parse(answered.body)).toMatchObject({ status: 401 });
    expect(await server.exited).toBe(0);
  });

  async function eventually<T>(read: () => T | undefined): Promise<T | undefined> {
    for (let tries = 0; tries < 50 && read() === undefined; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    return read();
  }

  /**
   * During SHUTDOWN_DRAIN_DELAY_MS the readiness check answers 503 while other requests are
   * still served; then new connections are refused (the port is closed).
   */
  async function notReadyThenRefused(): Promise<void> {
    // A pooled connection the server has just closed fails otherwise: that is not a refusal yet.
    const get = (route: string) => fetch(`http://127.0.0.1:${port}${route}`).then((response) => response.status,
      (error: Error & { cause?: { code?: string } }) => (error.cause?.code === 'ECONNREFUSED' ? 'refused' : 'failed'));
    for (let tries = 0; tries < 40 && (await get('/health/ready')) === 200; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await get('/health/ready')).toBe(503);
    expect(await get('/health/live')).toBe(200);
    for (let tries = 0; tries < 100; tries++) {
      if ((await get('/health/live')) === 'refused') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('New connections were still accepted after the drain delay');
  }
});
