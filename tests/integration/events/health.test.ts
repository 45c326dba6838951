import net from 'node:net';
import { BullMqQueue } from '../../../platform/src/jobs/bullmq-queue';
import { InProcessQueue } from '../../../platform/src/jobs/in-process-queue';
import { TestPlatform } from '../../support/platform';

const silent = () => undefined;

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = (server.address() as net.AddressInfo);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Load balancers and operators read /health: it must say when the queue is gone. */
describe('GET /health with a job queue', () => {
  let test: TestPlatform;
  beforeAll(async () => {
    test = await TestPlatform.start({ demo: false });
  });
  afterAll(() => test.stop());

  it('answers 200 with the queue kind when the queue answers', async () => {
    test.platform.queue = new InProcessQueue({ concurrency: 1, retryMaxMs: 1000, log: silent });
    const health = await test.call('get', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', queue: 'in-process' });
  });

  it('answers 503 problem+json while Redis is unreachable', async () => {
    const queue = new BullMqQueue({ concurrency: 1, retryMaxMs: 1000, log: silent, url: `redis://127.0.0.1:${await closedPort()}`, prefix: 'health-test' });
    test.platform.queue = queue;
    try {
      const health = await test.call('get', '/health');
      expect(health.status).toBe(503);
      expect(health.headers.get('content-type')).toContain('application/problem+json');
      expect(health.body.detail).toMatch(/job queue/);
    } finally {
      test.platform.queue = undefined;
      await queue.close();
    }
  });
});
