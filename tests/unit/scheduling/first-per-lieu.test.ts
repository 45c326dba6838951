import type { Creneau } from '../../../platform/src/scheduling/engine';
import { firstPerLieu } from '../../../platform/src/scheduling/search';

const at = (hour: number, minute: number, agentId: string, lieuId: string, motifId: string): Creneau => {
  const startsAt = Date.UTC(2027, 0, 4, hour, minute);
  return { startsAt, endsAt: startsAt + 20 * 60_000, agentId, lieuId, motifId };
};
const describeSlots = (slots: Creneau[]) => slots.map((slot) => `${new Date(slot.startsAt).toISOString().slice(11, 16)} ${slot.lieuId} ${slot.motifId} ${slot.agentId}`);

/** The territory-wide answer: one créneau per start time and lieu, each lieu's first ones, all counted. */
describe('firstPerLieu', () => {
  // Two motifs of one organisation share the mairie; the CCAS motif has its own lieu.
  const cni = [at(9, 0, 'anne', 'mairie', 'cni'), at(9, 0, 'marc', 'mairie', 'cni'), at(9, 20, 'anne', 'mairie', 'cni'), at(9, 40, 'anne', 'mairie', 'cni')];
  const passeport = [at(9, 10, 'marc', 'mairie', 'passeport'), at(9, 20, 'marc', 'mairie', 'passeport'), at(10, 0, 'marc', 'mairie', 'passeport')];
  const accueil = [at(9, 0, 'karim', 'ccas', 'accueil'), at(9, 30, 'karim', 'ccas', 'accueil')];

  it('keeps the first créneau of each start time and lieu, sorted by start, equal starts in the order of the motifs asked', () => {
    const { kept, countByLieu } = firstPerLieu([cni, passeport, accueil], 10);
    expect(describeSlots(kept)).toEqual([
      '09:00 mairie cni anne', '09:00 ccas accueil karim', '09:10 mairie passeport marc', '09:20 mairie cni anne',
      '09:30 ccas accueil karim', '09:40 mairie cni anne', '10:00 mairie passeport marc',
    ]);
    expect(Object.fromEntries(countByLieu)).toEqual({ mairie: 5, ccas: 2 });
  });

  it("lists only each lieu's first créneaux and still counts them all", () => {
    const { kept, countByLieu } = firstPerLieu([cni, passeport, accueil], 2);
    expect(describeSlots(kept)).toEqual(['09:00 mairie cni anne', '09:00 ccas accueil karim', '09:10 mairie passeport marc', '09:30 ccas accueil karim']);
    expect(Object.fromEntries(countByLieu)).toEqual({ mairie: 5, ccas: 2 });
  });
});
