import fc from 'fast-check';
import {
  AgentBusy,
  Creneau,
  CreneauxInput,
  Interval,
  MotifRules,
  PlageOccurrence,
  computeCreneaux,
} from '../../../platform/src/scheduling/engine';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const AGENTS = ['a0', 'a1', 'a2', 'a3'];
const LIEUX = ['L0', 'L1'];
const MOTIF_ID = 'm';

/** On a 5-minute grid, like real plages (so some touch or overlap); one lieu a day per agent; they end by midnight. */
const plageArb = fc
  .record({
    agent: fc.integer({ min: 0, max: AGENTS.length - 1 }),
    day: fc.integer({ min: 0, max: 3 }),
    startStep: fc.integer({ min: 0, max: 276 }),
    lengthMin: fc.integer({ min: 1, max: 120 }).map((steps) => steps * 5),
    forMotif: fc.boolean(),
  })
  .map(({ agent, day, startStep, lengthMin, forMotif }): PlageOccurrence => {
    const start = T0 + day * DAY + startStep * 5 * MINUTE;
    return {
      agentId: AGENTS[agent],
      lieuId: LIEUX[(agent + day) % LIEUX.length],
      motifIds: forMotif ? ['other', MOTIF_ID] : ['other'],
      start,
      end: Math.min(start + lengthMin * MINUTE, T0 + (day + 1) * DAY),
    };
  });

const busyArb = fc
  .record({
    agent: fc.integer({ min: 0, max: AGENTS.length - 1 }),
    startMs: fc.integer({ min: -DAY, max: 8 * DAY }),
    lengthMin: fc.integer({ min: 1, max: 300 }),
    bufferAfterMin: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  })
  .map(({ agent, startMs, lengthMin, bufferAfterMin }): AgentBusy => ({
    agentId: AGENTS[agent],
    start: T0 + startMs,
    end: T0 + startMs + lengthMin * MINUTE,
    bufferAfterMin,
  }));

const closureArb = fc
  .record({ startMs: fc.integer({ min: 0, max: 7 * DAY }), lengthMin: fc.integer({ min: 1, max: 1440 }) })
  .map(({ startMs, lengthMin }): Interval => ({ start: T0 + startMs, end: T0 + startMs + lengthMin * MINUTE }));

const motifArb = fc.record({
  id: fc.constant(MOTIF_ID),
  durationMin: fc.integer({ min: 5, max: 120 }),
  stepMin: fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined }),
  bufferAfterMin: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  minPublicDelaySec: fc.integer({ min: 0, max: 86_400 }),
  maxPublicDelaySec: fc.integer({ min: 2 * 86_400, max: 10 * 86_400 }),
  collectif: fc.constant(false),
}) as fc.Arbitrary<MotifRules>;

const inputArb = fc
  .record({
    motif: motifArb,
    audience: fc.constantFrom('agent' as const, 'public' as const),
    nowMs: fc.integer({ min: -DAY, max: 4 * DAY }),
    windowStartMs: fc.integer({ min: -DAY, max: 4 * DAY }),
    windowLengthMs: fc.integer({ min: 1, max: 8 * DAY }),
    plages: fc.array(plageArb, { minLength: 3, maxLength: 40, size: 'medium' }),
    busy: fc.array(busyArb, { maxLength: 30, size: 'medium' }),
    closures: fc.array(closureArb, { maxLength: 2 }),
  })
  .map(
    ({ nowMs, windowStartMs, windowLengthMs, ...rest }): CreneauxInput => ({
      ...rest,
      now: T0 + nowMs,
      window: { start: T0 + windowStartMs, end: T0 + windowStartMs + windowLengthMs },
    }),
  );

const roomOf = (motif: MotifRules) => (motif.durationMin + (motif.bufferAfterMin ?? 0)) * MINUTE;
const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

function fused(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const result: Interval[] = [];
  for (const interval of sorted) {
    const last = result[result.length - 1];
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else result.push({ ...interval });
  }
  return result;
}

const runs = { numRuns: 400 };

describe('the slot engine, on random agendas', () => {
  it('never offers a slot (with its buffer) over its agent’s busy time or a closure', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const room = roomOf(input.motif);
        for (const slot of computeCreneaux(input)) {
          const needed = { start: slot.startsAt, end: slot.startsAt + room };
          for (const busy of input.busy) {
            if (busy.agentId !== slot.agentId) continue;
            expect(overlaps(needed, { start: busy.start, end: busy.end + (busy.bufferAfterMin ?? 0) * MINUTE })).toBe(false);
          }
          for (const closure of input.closures) expect(overlaps(needed, closure)).toBe(false);
        }
      }),
      runs,
    );
  });

  it('offers slots (with their buffer) only inside the agent’s plages for the motif at the slot’s lieu', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const room = roomOf(input.motif);
        for (const slot of computeCreneaux(input)) {
          const openings = fused(
            input.plages.filter((p) => p.agentId === slot.agentId && p.lieuId === slot.lieuId && p.motifIds.includes(MOTIF_ID)),
          );
          expect(openings.some((o) => o.start <= slot.startsAt && slot.startsAt + room <= o.end)).toBe(true);
          expect(slot.endsAt - slot.startsAt).toBe(input.motif.durationMin * MINUTE);
          expect(slot.motifId).toBe(MOTIF_ID);
        }
      }),
      runs,
    );
  });

  it('offers only slots that start in the window and have not begun, within the public delays for the public', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const slot of computeCreneaux(input)) {
          expect(slot.startsAt).toBeGreaterThanOrEqual(Math.max(input.now, input.window.start));
          expect(slot.startsAt).toBeLessThan(input.window.end);
          if (input.audience === 'public') {
            expect(slot.startsAt).toBeGreaterThanOrEqual(input.now + input.motif.minPublicDelaySec * 1000);
            expect(slot.startsAt).toBeLessThanOrEqual(input.now + input.motif.maxPublicDelaySec * 1000);
          }
        }
      }),
      runs,
    );
  });

  it('never lets one agent’s slots overlap when the motif steps by its own length and the agent’s plages do not overlap', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const motif = { ...input.motif, stepMin: undefined };
        const plages = input.plages.filter((plage, index) =>
          input.plages.slice(0, index).every((earlier) => earlier.agentId !== plage.agentId || !overlaps(earlier, plage)),
        );
        const byAgent = new Map<string, Creneau[]>();
        for (const slot of computeCreneaux({ ...input, plages, motif, audience: 'agent' })) {
          byAgent.set(slot.agentId, [...(byAgent.get(slot.agentId) ?? []), slot]);
        }
        for (const slots of byAgent.values()) {
          for (let i = 1; i < slots.length; i++) expect(slots[i].startsAt).toBeGreaterThanOrEqual(slots[i - 1].startsAt + roomOf(motif));
        }
      }),
      runs,
    );
  });

  it('gives a slot whatever the window around it: two halves of a window give the whole', () => {
    fc.assert(
      fc.property(inputArb, fc.double({ min: 0, max: 1, noNaN: true }), (input, fraction) => {
        const { start, end } = input.window;
        const cut = start + Math.floor((end - start) * fraction);
        const halves = [
          ...computeCreneaux({ ...input, window: { start, end: cut } }),
          ...computeCreneaux({ ...input, window: { start: cut, end } }),
        ];
        expect(halves).toEqual(computeCreneaux(input));
      }),
      runs,
    );
  });

  it('sorts by start then agent id, and gives the same answer whatever the order of its inputs', () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const slots = computeCreneaux(input);
        for (let i = 1; i < slots.length; i++) {
          const [a, b] = [slots[i - 1], slots[i]];
          expect(a.startsAt < b.startsAt || (a.startsAt === b.startsAt && a.agentId <= b.agentId)).toBe(true);
        }
        const shuffle = <T>(items: readonly T[]) =>
          items
            .map((item, index) => ({ item, key: Math.sin(seed + index) }))
            .sort((x, y) => x.key - y.key)
            .map(({ item }) => item);
        const reordered = { ...input, plages: shuffle(input.plages), busy: shuffle(input.busy), closures: shuffle(input.closures) };
        expect(computeCreneaux(reordered)).toEqual(slots);
        expect(computeCreneaux(input)).toEqual(slots);
      }),
      runs,
    );
  });

  it('shows the public, for each start time and lieu, the agents’ slot of the smallest agent id within the delays', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const agentSlots = computeCreneaux({ ...input, audience: 'agent' });
        const starts = new Set(agentSlots.map((slot) => `${slot.startsAt}/${slot.agentId}`));
        expect(starts.size).toBe(agentSlots.length);

        const earliest = input.now + input.motif.minPublicDelaySec * 1000;
        const latest = input.now + input.motif.maxPublicDelaySec * 1000;
        const expected: Creneau[] = [];
        const seen = new Set<string>();
        for (const slot of agentSlots) {
          const key = `${slot.startsAt}/${slot.lieuId}`;
          if (slot.startsAt < earliest || slot.startsAt > latest || seen.has(key)) continue;
          seen.add(key);
          expected.push(slot);
        }
        expect(computeCreneaux({ ...input, audience: 'public' })).toEqual(expected);
      }),
      runs,
    );
  });
});
