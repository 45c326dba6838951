import type { JobHandler, JobQueue } from '../jobs/queue';
import { JobDeferred } from '../jobs/queue';
import { currentRequestId, withRequestId } from '../logging';
import { jobDuration, jobRuns, jobsRunning } from './metrics';

/** A job enqueued on behalf of a request travels in this envelope; others keep their payload as is. */
interface Carried {
  $request_id: string;
  $payload: unknown;
}

function isCarried(payload: unknown): payload is Carried {
  return typeof payload === 'object' && payload !== null && typeof (payload as Carried).$request_id === 'string' && '$payload' in payload;
}

/**
 * The process's queue, observed: a job added during a request carries its id, and its run
 * logs under it; every run is counted and timed by job name and result (metrics.ts).
 */
export function observedQueue(queue: JobQueue): JobQueue {
  return {
    kind: queue.kind,
    add(name, payload, options) {
      const requestId = currentRequestId();
      return queue.add(name, requestId ? { $request_id: requestId, $payload: payload } : payload, options);
    },
    process(name, handler: JobHandler) {
      queue.process(name, async (job) => {
        const carried = isCarried(job.payload) ? job.payload : undefined;
        const stopTimer = jobDuration.startTimer({ job: name });
        jobsRunning.inc();
        try {
          await withRequestId(carried?.$request_id, () => handler(carried ? { ...job, payload: carried.$payload } : job));
          jobRuns.inc({ job: name, result: 'completed' });
        } catch (error) {
          jobRuns.inc({ job: name, result: error instanceof JobDeferred ? 'deferred' : 'failed' });
          throw error;
        } finally {
          jobsRunning.dec();
          stopTimer();
        }
      });
    },
    start: () => queue.start(),
    close: () => queue.close(),
    ping: () => queue.ping(),
  };
}
