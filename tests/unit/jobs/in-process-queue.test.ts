import { InProcessQueue } from '../../../platform/src/jobs/in-process-queue';
import { backoffDelay, Job, JobDeferred } from '../../../platform/src/jobs/queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('the in-process queue', () => {
  const logs: string[] = [];
  const queue = () => new InProcessQueue({ concurrency: 2, retryMaxMs: 80, log: (_level, message) => void logs.push(message) });

  it('drops an add whose job id is still queued, and runs it once', async () => {
    const q = queue();
    const runs: unknown[] = [];
    q.process('count', async (job) => void runs.push(job.payload));
    await q.add('count', { n: 1 }, { jobId: 'same', delay: 20 });
    await q.add('count', { n: 2 }, { jobId: 'same' });
    await q.start();
    await until(() => runs.length === 1);
    await sleep(50);
    expect(runs).toEqual([{ n: 1 }]);
    await q.close();
  });

  it('retries with capped exponential delays, then gives up and logs it', async () => {
    const q = queue();
    const runs: Pick<Job, 'attempt' | 'attempts' | 'nextRetryDelayMs'>[] = [];
    const times: number[] = [];
    q.process('failing', async ({ attempt, attempts, nextRetryDelayMs }) => {
      runs.push({ attempt, attempts, nextRetryDelayMs });
      times.push(Date.now());
      throw new Error('nope');
    });
    await q.start();
    await q.add('failing', {}, { attempts: 4, backoff: { type: 'exponential', delay: 20 } });
    await until(() => logs.includes('job failed for good'));
    expect(runs).toEqual([
      { attempt: 1, attempts: 4, nextRetryDelayMs: 20 },
      { attempt: 2, attempts: 4, nextRetryDelayMs: 40 },
      { attempt: 3, attempts: 4, nextRetryDelayMs: 80 },
      { attempt: 4, attempts: 4, nextRetryDelayMs: null },
    ]);
    expect(times[3] - times[2]).toBeGreaterThanOrEqual(75);
    expect(backoffDelay(10, 20, 80)).toBe(80);
    await q.close();
  });

  it('runs a deferred job again without spending an attempt', async () => {
    const q = queue();
    const attempts: number[] = [];
    q.process('waiting', async (job) => {
      attempts.push(job.attempt);
      if (attempts.length < 3) throw new JobDeferred(10);
    });
    await q.start();
    await q.add('waiting', {}, { attempts: 1 });
    await until(() => attempts.length === 3);
    expect(attempts).toEqual([1, 1, 1]);
    await q.close();
  });

  it('runs no more jobs at once than its concurrency, and a hanging job does not stop the others', async () => {
    const q = queue();
    let running = 0;
    let most = 0;
    const done: number[] = [];
    q.process('hang', () => new Promise(() => undefined));
    q.process('work', async (job) => {
      running += 1;
      most = Math.max(most, running);
      await sleep(10);
      running -= 1;
      done.push(job.payload as number);
    });
    await q.start();
    await q.add('hang', {});
    for (let n = 0; n < 5; n += 1) await q.add('work', n);
    await until(() => done.length === 5);
    expect(most).toBe(1); // one slot is taken by the hanging job
  });

  it('hands each job a copy of its payload, as a queue on Redis would', async () => {
    const q = queue();
    let seen: unknown;
    q.process('copy', async (job) => {
      seen = job.payload;
    });
    await q.start();
    const payload = { at: new Date('2026-01-02T03:04:05Z'), list: [1] };
    await q.add('copy', payload);
    payload.list.push(2);
    await until(() => seen !== undefined);
    expect(seen).toEqual({ at: '2026-01-02T03:04:05.000Z', list: [1] });
    await q.close();
  });
});
