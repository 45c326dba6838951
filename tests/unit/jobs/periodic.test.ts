import { PeriodicTasks, type PeriodicTask } from '../../../platform/src/jobs/periodic';
import type { Platform } from '../../../platform/src/platform';

const platform = {} as Platform;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('periodic housekeeping', () => {
  it('runs each task at start, then again every period, until stopped', async () => {
    let runs = 0;
    const task: PeriodicTask = { name: 'count', everyMs: 20, run: async () => void runs++ };
    const tasks = new PeriodicTasks(platform, [task], () => undefined);
    tasks.start();
    expect(runs).toBe(1);
    await pause(75);
    await tasks.stop();
    const afterStop = runs;
    expect(afterStop).toBeGreaterThanOrEqual(3);
    await pause(50);
    expect(runs).toBe(afterStop);
  });

  it('logs a failing run and keeps going; other tasks are unaffected', async () => {
    const logged: string[] = [];
    let attempts = 0;
    let healthy = 0;
    const failing: PeriodicTask = { name: 'flaky purge', everyMs: 15, run: async () => { attempts++; throw new Error('database away'); } };
    const other: PeriodicTask = { name: 'other', everyMs: 15, run: async () => void healthy++ };
    const tasks = new PeriodicTasks(platform, [failing, other], (level, message, fields) => logged.push(`${level} ${message} ${fields?.error}`));
    tasks.start();
    await pause(50);
    await tasks.stop();
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(healthy).toBeGreaterThanOrEqual(2);
    expect(logged[0]).toBe('error flaky purge failed, will retry database away');
  });

  it('waits for a run in progress when stopped', async () => {
    let finished = false;
    const slow: PeriodicTask = { name: 'slow', everyMs: 1000, run: async () => { await pause(40); finished = true; } };
    const tasks = new PeriodicTasks(platform, [slow], () => undefined);
    tasks.start();
    await tasks.stop();
    expect(finished).toBe(true);
  });
});
