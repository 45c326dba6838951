/**
 * ANTS bench: what the national site's hub asks of an editor, over HTTP, on the
 * département-scale territory with ANTS on: the free slots of all 64 meeting points
 * over 28 days (the hub gives up after 15 s; RDV-SP timed out here), and the list
 * of meeting points (called several times a day).
 */
import { ConfigStore } from '../../platform/src/configuration/store';
import { TestPlatform } from '../support/platform';
import { runClients } from './http-client';
import { BenchFigure, BenchSection, percentile } from './report';
import { addDays, buildTerritory, mondayInWeeks } from './territory';

/** Monday 2 March 2026, 08:00 in Paris, as the créneaux bench. */
const NOW = new Date('2026-03-02T07:00:00Z');
const HUB_TOKEN = 'bench-hub-token-0123456789abcdef';
const DAYS = 28;
const WEEKS = 8;
const SAMPLES = { slots: 60, meetingPoints: 200 };

export const antsSection: BenchSection = {
  name: 'ANTS',
  async run(): Promise<BenchFigure[]> {
    const test = await TestPlatform.start({ now: NOW, demo: false, config: { env: { ANTS_HUB_AUTH_TOKEN: HUB_TOKEN } } });
    try {
      const territory = await buildTerritory(test.platform, NOW);
      await test.db.tenant(territory.territoryId, () =>
        new ConfigStore(test.platform.schemas).write('plugins.ants', { enabled: true, config: { check_numbers: true } }, null));
      const hub = { 'x-hub-rdv-auth-token': HUB_TOKEN };
      const port = Number(new URL(test.baseUrl).port);

      const points = await test.call('get', '/api/ants/getManagedMeetingPoints', { headers: hub });
      if (points.status !== 200) throw new Error(`getManagedMeetingPoints answered ${points.status}: ${JSON.stringify(points.body)}`);
      const ids = (points.body as { id: string }[]).map((point) => point.id);
      if (ids.length !== 64) throw new Error(`${ids.length} meeting points published, not 64`);

      // 28 days from a Monday in the coming weeks, a different one each time.
      const slotsPath = (index: number) => {
        const from = mondayInWeeks(NOW, index % WEEKS);
        return `/api/ants/availableTimeSlots?${ids.map((id) => `meeting_point_ids=${id}`).join('&')}&start_date=${from}&end_date=${addDays(from, DAYS - 1)}&reason=CNI`;
      };
      const sample = await test.call('get', slotsPath(0), { headers: hub });
      if (sample.status !== 200) throw new Error(`availableTimeSlots answered ${sample.status}: ${JSON.stringify(sample.body).slice(0, 300)}`);
      const slotCount = Object.values(sample.body as Record<string, unknown[]>).reduce((sum, slots) => sum + slots.length, 0);
      console.log(`  ${ids.length} meeting points; ${slotCount} slots over ${DAYS} days in the first answer`);

      // A first pass over every window: expansions are not cached yet.
      const cold = (await runClients(port, null, Array.from({ length: WEEKS }, (_, index) => slotsPath(index)), 1, hub)).latencies;
      const slots = (await runClients(port, null, Array.from({ length: SAMPLES.slots }, (_, index) => slotsPath(index)), 1, hub)).latencies;
      const meetingPoints = (await runClients(port, null, Array.from({ length: SAMPLES.meetingPoints }, () => '/api/ants/getManagedMeetingPoints'), 1, hub)).latencies;

      const ms = (name: string, value: number, target?: number): BenchFigure =>
        ({ name, value, unit: 'ms', ...(target === undefined ? {} : { target: { value: target, better: 'lower' as const } }) });
      return [
        { name: `availableTimeSlots, ${ids.length} meeting points × ${DAYS} days: slots in the answer`, value: slotCount, unit: 'slots' },
        ms(`availableTimeSlots, ${ids.length} meeting points × ${DAYS} days, cold expansion cache: p95`, percentile(cold, 95)),
        ms(`availableTimeSlots, ${ids.length} meeting points × ${DAYS} days: p50`, percentile(slots, 50)),
        ms(`availableTimeSlots, ${ids.length} meeting points × ${DAYS} days: p95`, percentile(slots, 95), 200),
        ms(`getManagedMeetingPoints (${ids.length} points): p50`, percentile(meetingPoints, 50)),
        ms(`getManagedMeetingPoints (${ids.length} points): p95`, percentile(meetingPoints, 95), 50),
      ];
    } finally {
      await test.stop();
    }
  },
};
