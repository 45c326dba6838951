import { TestPlatform } from '../../support/platform';
import { expectProblem } from '../foundation/helpers';
import { BookingFixture, bookingFixture, expectStatus, NOW } from './helpers';

/** "Liste des RDV": the organisation's rdvs filtered by motif, lieu and origin, sorted either way. */
describe('the rdv list', () => {
  let test: TestPlatform;
  let f: BookingFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await bookingFixture(test);
  });
  afterAll(() => test?.stop());

  async function book(body: Record<string, unknown>, token = f.tokens.mairieAdmin): Promise<string> {
    const response = await test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, { token, body: { user_ids: [f.camille], notify: false, ...body } });
    expectStatus(response, 201);
    return response.body.id;
  }
  const list = (query: string, token = f.tokens.mairieAdmin) => test.call('get', `/api/v1/organisations/${f.mairie}/rdvs?${query}`, { token });
  const ids = async (query: string, token?: string) => {
    const response = await list(query, token);
    expectStatus(response, 200);
    return response.body.data.map((rdv: { id: string }) => rdv.id);
  };

  it('filters by motif, lieu and origin, and sorts by start either way', async () => {
    const cniHotel = await book({ motif_id: f.cni, lieu_id: f.hotelDeVille, agent_ids: [f.basicEtatCivil], starts_at: '2026-12-02T09:00:00+01:00' });
    const cniAnnexe = await book({ motif_id: f.cni, lieu_id: f.annexe, agent_ids: [f.basicEtatCivil], starts_at: '2026-12-03T09:00:00+01:00', force: true });
    const permis = await book({ motif_id: f.permis, agent_ids: [f.basicUrbanisme], starts_at: '2026-12-02T14:00:00+01:00' });
    // An online booking: the usager booked it themselves.
    await test.sql(`UPDATE rdvs SET created_by = 'user' WHERE id = $1`, [cniAnnexe]);

    expect(await ids(`motif_id=${f.cni}`)).toEqual([cniHotel, cniAnnexe]);
    expect(await ids(`motif_id=${f.cni}&lieu_id=${f.annexe}`)).toEqual([cniAnnexe]);
    expect(await ids('origin=user')).toEqual([cniAnnexe]);
    expect(await ids('origin=agent&starts_after=2026-12-02&starts_before=2026-12-04')).toEqual([cniHotel, permis]);
    expect(await ids('sort=-starts_at&starts_after=2026-12-02&starts_before=2026-12-04')).toEqual([cniAnnexe, permis, cniHotel]);
    // The usager's rdvs (the fiche usager's list), most recent first.
    expect(await ids(`user_id=${f.camille}&sort=-starts_at`)).toEqual([cniAnnexe, permis, cniHotel]);
    // A basic agent still sees only their services' agendas.
    expect(await ids(`user_id=${f.camille}`, f.tokens.urbanisme)).toEqual([permis]);
  });

  it('refuses unknown sorts, origins and malformed ids with the parameter named', async () => {
    for (const [query, path] of [['sort=name', 'sort'], ['origin=robot', 'origin'], ['motif_id=12', 'motif_id'], ['lieu_id=x', 'lieu_id']]) {
      const refused = await list(query);
      expectProblem(refused, 400);
      expect(refused.body.errors).toEqual([{ path, message: expect.any(String) }]);
    }
  });
});
