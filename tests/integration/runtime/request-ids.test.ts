import { createJobQueue } from '../../../platform/src/jobs/create-queue';
import { currentRequestId, LogSink } from '../../../platform/src/logging';
import { observedQueue } from '../../../platform/src/observability/jobs';
import { registry } from '../../../platform/src/observability/metrics';
import { definePlugin, DomainEvent } from '../../../platform/src/plugins/sdk';
import { dropQueueKeys, pipelineConfig, RunningPipeline, waitFor } from '../../support/events';
import { demoIds, TestPlatform } from '../../support/platform';

/**
 * What an operator follows in the logs: the request an agent made, and the work it caused
 * afterwards (the event it recorded, the consumers' jobs), under one request id.
 */
describe('request ids from the HTTP request to the jobs of its events', () => {
  let test: TestPlatform;
  let running: RunningPipeline;
  const handled: { lieu: string; requestId: string | undefined }[] = [];

  beforeAll(async () => {
    test = await TestPlatform.start({ config: pipelineConfig() });
    const quiet: LogSink = () => undefined;
    const witness = definePlugin({
      name: 'request-witness', version: '1.0.0', description: 'notes the request id its event handler runs under',
      scope: 'territory', enabledByDefault: true, configSchema: { type: 'object', default: {} }, events: ['lieu.created'],
      onEvent: async (event: DomainEvent) => void handled.push({ lieu: String(event.payload.name), requestId: currentRequestId() }),
    });
    running = await RunningPipeline.start(test, { plugins: [witness], queue: observedQueue(createJobQueue(test.platform.config, quiet)) });
  });
  afterAll(async () => {
    await running.stop();
    await dropQueueKeys(test.platform.config);
    await test.stop();
  });

  it("answers the caller's X-Request-Id (or a new one), and the event's consumer job runs under it", async () => {
    const token = await test.signIn('admin.mairie@demo.test');
    const { mairie } = await demoIds(test);
    const create = (name: string, headers: Record<string, string>) =>
      test.call('post', `/api/v1/organisations/${mairie}/lieux`, { token, body: { name, address: '1 rue des Lilas' }, headers });

    const traced = await create('Annexe tracée', { 'x-request-id': 'trace-2026-0042' });
    expect(traced.status).toBe(201);
    expect(traced.headers.get('x-request-id')).toBe('trace-2026-0042');
    // An id that is not a plain token (spaces, quotes, too long) is replaced by a fresh one.
    const fresh = await create('Annexe neuve', { 'x-request-id': 'bad id "level":"error"' });
    expect(fresh.status).toBe(201);
    const freshId = fresh.headers.get('x-request-id');
    expect(freshId).toMatch(/^[0-9a-f-]{36}$/);

    await waitFor('both lieux handled', () => handled.length === 2);
    expect(handled.sort((a, b) => a.lieu.localeCompare(b.lieu))).toEqual([
      { lieu: 'Annexe neuve', requestId: freshId },
      { lieu: 'Annexe tracée', requestId: 'trace-2026-0042' },
    ]);
    // The job is counted once it ends, a moment after its handler ran.
    const jobsCounted = /lapin_jobs_total\{job="[^"]*request-witness[^"]*",result="completed"\} 2/;
    await waitFor('both jobs counted', async () => jobsCounted.test(await registry.metrics()));
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/lapin_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/organisations\/:org\/lieux",status="201"\} 2/);
  });
});
