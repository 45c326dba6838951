import { PeriodicTasks, type PeriodicTask } from '../../../platform/src/jobs/periodic';
import type { Platform } from '../../../platform/src/platform';

const platform = {} as Platform;

// The timers are Jest's: a loaded CI machine must not change how many periods elapse.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('periodic housekeeping', () => {
  it('runs each task at start, then again every period, until stopped', async () => {
    let runs = 0;
    const task: PeriodicTask = { name: 'count', everyMs: 20, run: async () => void runs++ };
    const tasks = new PeriodicTasks(platform, [task], () => undefined);
    tasks.start();
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(75);
    expect(runs).toBe(4);
    await tasks.stop();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(4);
  });

  it('logs a failing run and keeps going; other tasks are unaffected', async () => {
    const logged: string[] = [];
    let attempts = 0;
    let healthy = 0;
    const failing: PeriodicTask = { name: 'flaky purge', everyMs: 15, run: async () => { attempts++; throw new Error('database away'); } };
    const other: PeriodicTask = { name: 'other', everyMs: 15, run: async () => void healthy++ };
    const tasks = new PeriodicTasks(platform, [failing, other], (level, message, fields) => logged.push(`${level} ${message} ${fields?.error}`));
    tasks.start();
    await jest.advanceTimersByTimeAsync(50);
    await tasks.stop();
    expect(attempts).toBe(4);
    expect(healthy).toBe(4);
    expect(logged).toEqual(Array(4).fill('error flaky purge failed, will retry database away'));
  });

  it('waits for a run in progress when stopped', async () => {
    let finished = false;
    const slow: PeriodicTask = {
      name: 'slow',
      everyMs: 1000,
      run: () => new Promise<void>((resolve) => setTimeout(() => { finished = true; resolve(); }, 40)),
    };
    const tasks = new PeriodicTasks(platform, [slow], () => undefined);
    tasks.start();
    let stopped = false;
    const stopping = tasks.stop().then(() => { stopped = true; });
    await jest.advanceTimersByTimeAsync(39);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    expect(finished).toBe(true);
  });
});
