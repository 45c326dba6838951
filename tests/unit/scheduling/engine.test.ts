import { DateTime } from 'luxon';
import { holidayClosures } from '../../../platform/src/agenda/holidays';
import { expandOccurrences } from '../../../platform/src/agenda/recurrence';
import { localDaysWindow } from '../../../platform/src/agenda/time';
import {
  AgendaSnapshot,
  AgentBusy,
  Creneau,
  CreneauxInput,
  Interval,
  MotifRules,
  PlageOccurrence,
  computeCreneaux,
  nextAvailability,
} from '../../../platform/src/scheduling/engine';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** An instant given as a UTC wall time on 2026-06-01 (a Monday) or another day: `at('09:30')`, `at('09:30', 2)`. */
function at(time: string, dayOffset = 0): number {
  return Date.parse(`2026-06-01T${time}:00Z`) + dayOffset * DAY;
}

function hhmm(instant: number): string {
  return new Date(instant).toISOString().slice(11, 16);
}

/** `09:00-09:30 a1@L1`, with the day as `+N` when not 2026-06-01. */
function describeSlots(slots: Creneau[]): string[] {
  return slots.map((slot) => {
    const day = Math.floor((slot.startsAt - at('00:00')) / DAY);
    return `${day === 0 ? '' : `+${day} `}${hhmm(slot.startsAt)}-${hhmm(slot.endsAt)} ${slot.agentId}@${slot.lieuId}`;
  });
}

const motif: MotifRules = {
  id: 'm1',
  durationMin: 30,
  minPublicDelaySec: 0,
  maxPublicDelaySec: 90 * 24 * 3600,
  collectif: false,
};

function plage(agentId: string, start: number, end: number, lieuId = 'L1', motifIds = ['m1']): PlageOccurrence {
  return { agentId, lieuId, motifIds, start, end };
}

function search(snapshot: Partial<AgendaSnapshot> & Partial<CreneauxInput>): Creneau[] {
  return computeCreneaux({
    motif,
    audience: 'agent',
    now: at('00:00'),
    window: { start: at('00:00'), end: at('00:00', 7) },
    plages: [],
    busy: [],
    closures: [],
    ...snapshot,
  });
}

describe('créneaux from plages and busy time', () => {
  it('starts at the plage start and steps by the motif duration while slots fit', () => {
    expect(describeSlots(search({ plages: [plage('a1', at('09:00'), at('10:45'))] }))).toEqual([
      '09:00-09:30 a1@L1',
      '09:30-10:00 a1@L1',
      '10:00-10:30 a1@L1',
    ]);
  });

  it('uses only plages open to the motif', () => {
    expect(search({ plages: [plage('a1', at('09:00'), at('12:00'), 'L1', ['m2', 'm3'])] })).toEqual([]);
  });

  it('lets a slot end exactly where an absence starts and start exactly where one ends', () => {
    const busy: AgentBusy[] = [{ agentId: 'a1', start: at('10:00'), end: at('11:00') }];
    expect(describeSlots(search({ plages: [plage('a1', at('09:00'), at('12:00'))], busy }))).toEqual([
      '09:00-09:30 a1@L1',
      '09:30-10:00 a1@L1',
      '11:00-11:30 a1@L1',
      '11:30-12:00 a1@L1',
    ]);
  });

  it('starts again right after an rdv, off the plage’s grid', () => {
    const busy: AgentBusy[] = [{ agentId: 'a1', start: at('09:00'), end: at('09:20') }];
    expect(describeSlots(search({ plages: [plage('a1', at('09:00'), at('10:30'))], busy }))).toEqual([
      '09:20-09:50 a1@L1',
      '09:50-10:20 a1@L1',
    ]);
  });

  it('ignores the busy time of other agents', () => {
    const busy: AgentBusy[] = [{ agentId: 'a2', start: at('09:00'), end: at('12:00') }];
    expect(search({ plages: [plage('a1', at('09:00'), at('10:00'))], busy })).toHaveLength(2);
  });

  it('starts the slots of a plage that follows another back to back at its own start', () => {
    const plages = [plage('a1', at('09:00'), at('09:40')), plage('a1', at('09:40'), at('10:20'))];
    expect(describeSlots(search({ plages, motif: { ...motif, durationMin: 25 } }))).toEqual(['09:00-09:25 a1@L1', '09:40-10:05 a1@L1']);
  });

  it('steps by the motif’s own step when it has one', () => {
    const slots = search({ plages: [plage('a1', at('09:00'), at('10:00'))], motif: { ...motif, stepMin: 15 } });
    expect(describeSlots(slots)).toEqual(['09:00-09:30 a1@L1', '09:15-09:45 a1@L1', '09:30-10:00 a1@L1']);
  });

  it('keeps the motif’s buffer free after each offered slot and after each rdv of a motif with a buffer', () => {
    const buffered = { ...motif, bufferAfterMin: 10 };
    expect(describeSlots(search({ plages: [plage('a1', at('09:00'), at('11:00'))], motif: buffered }))).toEqual([
      '09:00-09:30 a1@L1',
      '09:40-10:10 a1@L1',
      '10:20-10:50 a1@L1',
    ]);
    // The rdv 11:00-11:30 keeps its agent busy 15 more minutes.
    const busy: AgentBusy[] = [{ agentId: 'a1', start: at('11:00'), end: at('11:30'), bufferAfterMin: 15 }];
    expect(describeSlots(search({ plages: [plage('a1', at('10:30'), at('12:30'))], busy }))).toEqual([
      '10:30-11:00 a1@L1',
      '11:45-12:15 a1@L1',
    ]);
  });

  it('closes every agent during closures such as holidays', () => {
    const plages = [plage('a1', at('09:00'), at('10:00')), plage('a2', at('09:00'), at('10:00'), 'L2')];
    expect(search({ plages, closures: [{ start: at('00:00'), end: at('00:00', 1) }] })).toEqual([]);
  });

  it('offers nothing for a window that does not hold the slot starts', () => {
    const plages = [plage('a1', at('09:00'), at('12:00'))];
    expect(describeSlots(search({ plages, window: { start: at('10:00'), end: at('11:00') } }))).toEqual([
      '10:00-10:30 a1@L1',
      '10:30-11:00 a1@L1',
    ]);
    // Slots keep the plage's grid when the window starts between two of them.
    expect(describeSlots(search({ plages, window: { start: at('10:10'), end: at('11:00') } }))).toEqual(['10:30-11:00 a1@L1']);
    expect(search({ plages, window: { start: at('13:00'), end: at('12:00', 1) } })).toEqual([]);
  });
});

describe('"now"', () => {
  const plages = [plage('a1', at('09:00'), at('12:00'))];

  it('offers no slot that has begun; the first is now rounded up to 5 minutes from the free interval’s start', () => {
    expect(describeSlots(search({ plages, now: at('10:07') }))).toEqual(['10:10-10:40 a1@L1', '10:40-11:10 a1@L1', '11:10-11:40 a1@L1']);
    expect(describeSlots(search({ plages, now: at('10:10') }))[0]).toBe('10:10-10:40 a1@L1');
  });

  it('rounds from the free interval’s start, not from the clock', () => {
    const busy: AgentBusy[] = [{ agentId: 'a1', start: at('09:00'), end: at('09:02') }];
    expect(describeSlots(search({ plages, busy, now: at('10:03') }))[0]).toBe('10:07-10:37 a1@L1');
  });

  it('leaves free intervals that start later on their own grid', () => {
    const busy: AgentBusy[] = [{ agentId: 'a1', start: at('10:00'), end: at('10:20') }];
    expect(describeSlots(search({ plages, busy, now: at('09:52') }))).toEqual([
      '10:20-10:50 a1@L1',
      '10:50-11:20 a1@L1',
      '11:20-11:50 a1@L1',
    ]);
  });
});

describe('audiences', () => {
  const agents = ['a3', 'a1', 'a2'];
  const plages = agents.map((agentId) => plage(agentId, at('09:00'), at('10:00')));

  it('shows agents one slot per start time and agent, sorted by start then agent id', () => {
    expect(describeSlots(search({ plages }))).toEqual([
      '09:00-09:30 a1@L1',
      '09:00-09:30 a2@L1',
      '09:00-09:30 a3@L1',
      '09:30-10:00 a1@L1',
      '09:30-10:00 a2@L1',
      '09:30-10:00 a3@L1',
    ]);
  });

  it('shows the public one slot per start time and lieu, given to the free agent with the smallest id', () => {
    const busy: AgentBusy[] = [{ agentId: 'a1', start: at('09:30'), end: at('10:00') }];
    expect(describeSlots(search({ plages, busy, audience: 'public' }))).toEqual(['09:00-09:30 a1@L1', '09:30-10:00 a2@L1']);
    const twoLieux = [...plages, plage('a4', at('09:00'), at('09:30'), 'L0')];
    expect(describeSlots(search({ plages: twoLieux, audience: 'public' }))).toEqual([
      '09:00-09:30 a1@L1',
      '09:00-09:30 a4@L0',
      '09:30-10:00 a1@L1',
    ]);
  });

  it('keeps one slot per start time for an agent open at two lieux at once, the lieu with the smallest id', () => {
    const overlapping = [plage('a1', at('09:00'), at('10:00'), 'L2'), plage('a1', at('09:00'), at('10:00'), 'L1')];
    expect(describeSlots(search({ plages: overlapping }))).toEqual(['09:00-09:30 a1@L1', '09:30-10:00 a1@L1']);
  });

  it('gives the public only slots between now + the minimum delay and now + the maximum delay', () => {
    const days = [0, 1, 2, 3].map((day) => plage('a1', at('09:00', day), at('12:00', day)));
    const delays = { ...motif, minPublicDelaySec: 2 * 3600, maxPublicDelaySec: 2 * 24 * 3600 };
    const now = at('08:30');
    const publicSlots = search({ plages: days, motif: delays, now, audience: 'public' });
    expect(describeSlots(publicSlots)[0]).toBe('10:30-11:00 a1@L1');
    expect(describeSlots(publicSlots).at(-1)).toBe('+1 11:30-12:00 a1@L1');
    // 2 days after 08:30 is 08:30 on day 2: its 09:00 is past the maximum delay.
    expect(publicSlots.every((slot) => slot.startsAt <= now + 2 * DAY)).toBe(true);
    const agentSlots = search({ plages: days, motif: delays, now, audience: 'agent' });
    expect(describeSlots(agentSlots)[0]).toBe('09:00-09:30 a1@L1');
    expect(describeSlots(agentSlots).at(-1)).toBe('+3 11:30-12:00 a1@L1');
  });

  it('holds agents to the same delays when the motif says so, one slot per agent still', () => {
    const days = [0, 1, 2, 3].map((day) => plage('a1', at('09:00', day), at('12:00', day)));
    const bound = { ...motif, minPublicDelaySec: 2 * 3600, maxPublicDelaySec: 2 * 24 * 3600, delaysForAgents: true };
    const now = at('08:30');
    const agentSlots = search({ plages: [...days, plage('a2', at('10:30'), at('11:00'))], motif: bound, now, audience: 'agent' });
    expect(describeSlots(agentSlots).slice(0, 2)).toEqual(['10:30-11:00 a1@L1', '10:30-11:00 a2@L1']);
    expect(describeSlots(agentSlots).at(-1)).toBe('+1 11:30-12:00 a1@L1');
  });

  it('counts the maximum delay inclusively', () => {
    const maxAtNine = { ...motif, maxPublicDelaySec: 30 * 60 };
    expect(describeSlots(search({ plages, motif: maxAtNine, now: at('08:30'), audience: 'public' }))).toEqual(['09:00-09:30 a1@L1']);
  });
});

describe('collectif motifs', () => {
  const collectif = { ...motif, id: 'atelier', collectif: true };
  const session = (agentId: string, start: number, remainingSeats: number, lieuId = 'L1') => ({
    agentId,
    lieuId,
    motifId: 'atelier',
    start,
    end: start + 2 * HOUR,
    remainingSeats,
  });

  it('offers the sessions that still have seats, whole, and not the plages', () => {
    const slots = search({
      motif: collectif,
      plages: [plage('a1', at('09:00'), at('12:00'), 'L1', ['atelier'])],
      collectifSessions: [session('a2', at('14:00'), 3), session('a1', at('09:00'), 0), session('a1', at('10:00', 1), 1)],
    });
    expect(describeSlots(slots)).toEqual(['14:00-16:00 a2@L1', '+1 10:00-12:00 a1@L1']);
    expect(slots.every((slot) => slot.motifId === 'atelier')).toBe(true);
  });

  it('hides sessions of other motifs, begun ones, and those outside the public delays', () => {
    const other = { ...session('a1', at('15:00'), 5), motifId: 'm1' };
    const sessions = [other, session('a1', at('09:00'), 5), session('a1', at('11:00'), 5), session('a1', at('09:00', 3), 5)];
    const publicOnes = search({
      motif: { ...collectif, maxPublicDelaySec: 2 * 24 * 3600 },
      collectifSessions: sessions,
      now: at('10:00'),
      audience: 'public',
    });
    expect(describeSlots(publicOnes)).toEqual(['11:00-13:00 a1@L1']);
  });
});

describe('with expanded plages and holidays', () => {
  const PARIS = 'Europe/Paris';
  const window = localDaysWindow('2026-07-13', '2026-07-15', PARIS);
  const plages = expandOccurrences(
    { firstDay: '2026-01-05', startTime: '09:00', endTime: '10:00', recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE' },
    PARIS,
    window,
  ).map((occurrence) => plage('a1', occurrence.start, occurrence.end));
  const localSlots = (slots: Creneau[]) =>
    slots.map((slot) => DateTime.fromMillis(slot.startsAt, { zone: PARIS }).toFormat('yyyy-MM-dd HH:mm'));

  it('closes 14 July and opens it again when the territory reopens it', () => {
    const closed = search({ plages, window, closures: holidayClosures('metropole', PARIS, window) });
    expect(localSlots(closed)).toEqual(['2026-07-13 09:00', '2026-07-13 09:30', '2026-07-15 09:00', '2026-07-15 09:30']);
    const reopened = search({ plages, window, closures: holidayClosures('metropole', PARIS, window, ['2026-07-14']) });
    expect(localSlots(reopened)).toHaveLength(6);
  });
});

describe('refusals', () => {
  it('refuses motif rules that cannot step', () => {
    const plages = [plage('a1', at('09:00'), at('10:00'))];
    expect(() => search({ plages, motif: { ...motif, durationMin: 0 } })).toThrow(
      expect.objectContaining({ kind: 'invalid', errors: [expect.objectContaining({ path: 'default_duration_in_min' })] }),
    );
    expect(() => search({ plages, motif: { ...motif, stepMin: -5 } })).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'slot_step_min' })] }),
    );
  });
});

describe('next availability', () => {
  const openOn = (day: number): AgendaSnapshot => ({
    plages: [plage('a1', at('09:00', day), at('10:00', day))],
    busy: [],
    closures: [],
  });

  function loaderOf(snapshot: AgendaSnapshot) {
    const windows: Interval[] = [];
    const load = (window: Interval) => {
      windows.push(window);
      return {
        ...snapshot,
        plages: snapshot.plages.filter((occurrence) => occurrence.start < window.end && occurrence.end > window.start),
      };
    };
    return { windows, load };
  }

  it('stops at the first week when it has a slot', async () => {
    const { windows, load } = loaderOf(openOn(3));
    const first = await nextAvailability({ motif, audience: 'agent', now: at('08:00') }, load);
    expect(first && describeSlots([first])).toEqual(['+3 09:00-09:30 a1@L1']);
    expect(windows).toEqual([{ start: at('08:00'), end: at('08:00', 7) }]);
  });

  it('looks further in growing windows', async () => {
    const { windows, load } = loaderOf(openOn(40));
    const first = await nextAvailability({ motif, audience: 'agent', now: at('08:00') }, load);
    expect(first && describeSlots([first])).toEqual(['+40 09:00-09:30 a1@L1']);
    expect(windows.map((window) => (window.end - window.start) / DAY)).toEqual([7, 14, 28]);
    expect(windows[1].start).toBe(windows[0].end);
  });

  it('gives up after 6 months, or at a public motif’s maximum delay', async () => {
    expect(await nextAvailability({ motif, audience: 'agent', now: at('08:00') }, loaderOf(openOn(200)).load)).toBeNull();
    const { windows, load } = loaderOf(openOn(20));
    const shortDelay = { ...motif, minPublicDelaySec: 3600, maxPublicDelaySec: 10 * 24 * 3600 };
    expect(await nextAvailability({ motif: shortDelay, audience: 'public', now: at('08:00') }, load)).toBeNull();
    expect(windows[0].start).toBe(at('09:00'));
    expect(windows.at(-1)!.end).toBe(at('08:00', 10) + 1);
    // The agent still finds it.
    expect(await nextAvailability({ motif: shortDelay, audience: 'agent', now: at('08:00') }, load)).not.toBeNull();
  });
});
