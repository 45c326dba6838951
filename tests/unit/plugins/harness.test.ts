import { AppError, definePlugin, PartnerReply } from '../../../platform/src/plugins/sdk';
import { PluginTestHarness } from '../../../plugins/testing';

const ORGANISATION = { id: 'org-1', name: 'Mairie', slug: 'mairie' };
const OTHER = { id: 'org-2', name: 'CCAS', slug: 'ccas' };
const creneau = (startsAt: string, lieuId = 'lieu-1') => ({ starts_at: startsAt, ends_at: startsAt, lieu_id: lieuId, motif_id: 'motif-1', agent_id: 'agent-1' });

/** A plugin as an author writes one: a partner route reading créneaux where the plugin is on. */
const plugin = definePlugin({
  name: 'harness-test',
  version: '1.0.0',
  description: 'Uses the core and a partner route',
  scope: 'organisation',
  configSchema: { type: 'object', default: {} },
  instanceSettings: { token: { env: 'HARNESS_TEST_TOKEN', description: 'The partner token' } },
  partnerRoutes: [{
    method: 'get', path: '/slots', summary: 'Créneaux of the lieux asked',
    async handle(request) {
      if (!request.sameSecret(request.headers['x-token'], request.instance.token)) return new PartnerReply(401, { error: 'token' }, { 'www-authenticate': 'Token' });
      const lieuIds = ([] as string[]).concat(request.query.lieu ?? []);
      return (await request.forEachTerritory(async (ctx) => {
        const on = (await ctx.core.organisations()).filter((organisation) => organisation.plugin_enabled).map((organisation) => organisation.id);
        const [motif] = await ctx.core.motifs({ organisationIds: on, categories: ['cni'] });
        if (!motif) return [];
        const found = await ctx.core.creneaux({ motifId: motif.id, lieuIds, from: '2027-01-04', to: '2027-01-05', durationInMin: 40 });
        return Promise.all(found.map((slot) => ctx.core.links.publicCreneau({ organisationId: motif.organisation_id, motifId: motif.id, lieuId: slot.lieu_id, startsAt: slot.starts_at })));
      })).flat();
    },
  }],
});

describe('the plugin test harness', () => {
  const core = {
    organisations: [ORGANISATION, OTHER],
    motifs: [{
      id: 'motif-1', organisation_id: 'org-1', name: 'CNI', service_id: 'titres', category: 'cni', default_duration_in_min: 20,
      location_type: 'public_office' as const, bookable_by: 'everyone' as const, collectif: false,
    }],
    creneaux: [creneau('2027-01-04T09:00:00+01:00'), creneau('2027-01-04T09:00:00+01:00', 'lieu-2'), creneau('2027-01-06T09:00:00+01:00')],
  };

  it('calls a partner route with the instance settings, the core of the test and the links', async () => {
    const harness = new PluginTestHarness(plugin, { core, instance: { token: 'secret' }, organisations: { 'org-2': { enabled: false, config: {} } } });
    const answer = await harness.callPartnerRoute('get', '/slots', { headers: { 'X-Token': 'secret' }, query: { lieu: 'lieu-1' } });
    expect(answer).toEqual({
      status: 200,
      headers: {},
      body: ['https://rdv.test/public/organisations/mairie/motifs/motif-1?lieu_id=lieu-1&starts_at=2027-01-04T09%3A00%3A00%2B01%3A00'],
    });
    expect(harness.creneauxSearches).toEqual([{ motifId: 'motif-1', lieuIds: ['lieu-1'], from: '2027-01-04', to: '2027-01-05', durationInMin: 40 }]);
    expect(harness.ctx.instance).toEqual({ token: 'secret' });
  });

  it("keeps a PartnerReply's status and headers, and runs nowhere where the plugin is off", async () => {
    const off = new PluginTestHarness(plugin, { core, instance: { token: 'secret' }, enabled: false });
    expect(await off.callPartnerRoute('get', '/slots', { headers: { 'x-token': 'wrong' } })).toEqual({ status: 401, body: { error: 'token' }, headers: { 'www-authenticate': 'Token' } });
    expect((await off.callPartnerRoute('get', '/slots', { headers: { 'x-token': 'secret' } })).body).toEqual([]);
    await expect(off.callPartnerRoute('post', '/slots')).rejects.toThrow('harness-test has no partner route POST /slots');
  });

  it('answers links only for records the test gave', async () => {
    const harness = new PluginTestHarness(plugin, { core });
    await expect(harness.ctx.core.links.publicCreneau({ organisationId: 'unknown', motifId: 'm', lieuId: 'l', startsAt: 's' })).rejects.toBeInstanceOf(AppError);
    await expect(harness.ctx.core.links.manageParticipation('unknown')).rejects.toMatchObject({ kind: 'not_found' });
    expect(await harness.ctx.core.rdv('unknown')).toBeNull();
  });
});
