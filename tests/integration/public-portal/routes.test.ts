import { TestPlatform } from '../../support/platform';
import { agendaFixture, AgendaFixture, errorPaths, expectStatus, NOW, plageBody } from '../agenda/helpers';
import { expectProblem } from '../foundation/helpers';

/** The two public routes the portal needs besides the organisation, créneaux and booking ones. */
describe('public portal routes', () => {
  let test: TestPlatform;
  let f: AgendaFixture;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    f = await agendaFixture(test);
  });
  afterAll(() => test?.stop());

  describe('GET /api/public/organisations/{slug}/forms/user', () => {
    it("serves the territory's usager form with its public fields only, without a token", async () => {
      expectStatus(await test.call('put', '/api/v1/territories/current/config/user_fields', {
        token: f.tokens.territorialAdmin,
        body: {
          fields: [
            { name: 'situation', type: 'enum', label: 'Situation familiale', public: true, options: ['Seul(e)', 'En couple'] },
            { name: 'nir', type: 'string', label: 'NIR', public: false },
          ],
          hidden_standard_fields: ['birth_name'],
        },
      }), 200);

      const form = await test.call('get', `/api/public/organisations/${f.mairieSlug}/forms/user`);
      expectStatus(form, 200);
      expect(form.body.audience).toBe('public');
      expect(Object.keys(form.body.schema.properties)).toContain('first_name');
      expect(form.body.schema.properties).not.toHaveProperty('birth_name');
      expect(Object.keys(form.body.schema.properties.custom_fields.properties)).toEqual(['situation']);
      expect(form.body.ui_schema.elements.map((control: { scope: string }) => control.scope)).toContain('#/properties/custom_fields/properties/situation');

      // The agents' form of the same territory, asked for the public, is the same document.
      const agentView = await test.call('get', '/api/v1/forms/user?audience=public', { token: f.tokens.mairieAdmin });
      expect(form.body.schema).toEqual(agentView.body.schema);
      expect(form.body.ui_schema).toEqual(agentView.body.ui_schema);
    });

    it('answers 404 for an unknown organisation', async () => {
      expectProblem(await test.call('get', '/api/public/organisations/no-such-organisation/forms/user'), 404);
    });
  });

  describe('GET /api/public/organisations/{slug}/next_availability', () => {
    const next = (query: Record<string, string>) =>
      test.call('get', `/api/public/organisations/${f.mairieSlug}/next_availability?${new URLSearchParams(query)}`);

    it("answers null while nothing is open, then the first créneau open to the public, the motif's delay applied", async () => {
      expect((await next({ motif_id: f.cni })).body.starts_at).toBeNull();
      // Anne opens weekdays from today (Monday 30 November, 08:00 now); online, the motif needs a day's notice.
      expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, { token: f.tokens.mairieAdmin, body: plageBody(f) }), 201);
      await test.sql(`UPDATE motifs SET min_public_booking_delay = 86400 WHERE id = $1`, [f.cni]);
      const first = await next({ motif_id: f.cni, lieu_id: f.hotelDeVille });
      expectStatus(first, 200);
      expect(first.body).toMatchObject({ starts_at: '2026-12-01T09:00:00+01:00', lieu_id: f.hotelDeVille, motif_id: f.cni });
      expect((await next({ motif_id: f.cni, lieu_id: f.annexe })).body.starts_at).toBeNull();
    });

    it('refuses motifs not open to the public unless a prescripteur asks for one open to prescripteurs', async () => {
      const agentsOnly = await next({ motif_id: f.mariage });
      expectProblem(agentsOnly, 404);
      expect(errorPaths(agentsOnly)).toEqual(['motif_id']);
      expectProblem(await next({ motif_id: f.permis }), 404);
      expectStatus(await next({ motif_id: f.permis, prescripteur: '1' }), 200);
      expect(errorPaths(await next({}))).toEqual(['motif_id']);
    });
  });
});
