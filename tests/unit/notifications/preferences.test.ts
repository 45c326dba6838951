import schema from '../../../schemas/api/agent.notification_preferences.json';
import { agentWantsNotification, NOTIFICATION_LEVELS, type AgendaChange } from '../../../platform/src/notifications/preferences';

/** Monday 7 December 2026, 23:30 in Paris (22:30 UTC): "today" is still Monday there. */
const NOW = new Date('2026-12-07T22:30:00Z');

function rdvAt(startsAt: string, actorAgentId: string | null, timezone = 'Europe/Paris'): AgendaChange {
  const start = new Date(startsAt);
  return { agentId: 'anne', actorAgentId, now: NOW, timezone, happensBetween: (from, to) => start >= from && start < to };
}

describe("agents' notification levels", () => {
  it('none says nothing and all says everything, whoever acted and whenever', () => {
    for (const actor of ['anne', 'marc', null]) {
      expect(agentWantsNotification('none', rdvAt('2026-12-08T08:00:00Z', actor))).toBe(false);
      expect(agentWantsNotification('all', rdvAt('2027-06-01T08:00:00Z', actor))).toBe(true);
    }
  });

  it("others leaves out the agent's own changes only", () => {
    expect(agentWantsNotification('others', rdvAt('2027-06-01T08:00:00Z', 'anne'))).toBe(false);
    expect(agentWantsNotification('others', rdvAt('2027-06-01T08:00:00Z', 'marc'))).toBe(true);
    expect(agentWantsNotification('others', rdvAt('2027-06-01T08:00:00Z', null))).toBe(true); // the usager, online
  });

  it("soon keeps changes by others for today and tomorrow, in the territory's zone", () => {
    // Tuesday 8 December, 00:30 in Paris: tomorrow there, although the same UTC day as "now".
    expect(agentWantsNotification('soon', rdvAt('2026-12-07T23:30:00Z', 'marc'))).toBe(true);
    // Tuesday 23:59 in Paris: still tomorrow.
    expect(agentWantsNotification('soon', rdvAt('2026-12-08T22:59:00Z', 'marc'))).toBe(true);
    // Wednesday 00:00 in Paris: the day after tomorrow.
    expect(agentWantsNotification('soon', rdvAt('2026-12-08T23:00:00Z', 'marc'))).toBe(false);
    expect(agentWantsNotification('soon', rdvAt('2026-12-08T08:00:00Z', 'anne'))).toBe(false);
    // In Cayenne (UTC-3) it is Monday 19:30: Wednesday 01:00 UTC is still Tuesday there.
    expect(agentWantsNotification('soon', rdvAt('2026-12-09T01:00:00Z', 'marc', 'America/Cayenne'))).toBe(true);
  });

  it('are the ones the API schema offers', () => {
    const offered = schema.$defs.level.oneOf.map((option: { const: string }) => option.const);
    expect(offered).toEqual([...NOTIFICATION_LEVELS]);
  });
});
