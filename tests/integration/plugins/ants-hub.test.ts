/**
 * The ANTS hub calls the platform over HTTP (INTEGRATIONS.md §1.a): its token, the
 * meeting points, their free slots and the admin screen's routes.
 */
import { bookingFixture, BookingFixture, expectStatus, NOW } from '../booking/helpers';
import { FakeAnts } from '../../support/fake-ants';
import { TestPlatform } from '../../support/platform';

const HUB_TOKEN = 'hub-token-for-the-tests-0123456789';

describe('ANTS hub routes', () => {
  let test: TestPlatform;
  let ants: FakeAnts;
  let f: BookingFixture;

  const hub = (path: string, token: string | null = HUB_TOKEN) =>
    test.call('get', `/api/ants${path}`, { headers: token === null ? {} : { 'x-hub-rdv-auth-token': token } });

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW, config: { env: { ANTS_HUB_AUTH_TOKEN: HUB_TOKEN } } });
    ants = await FakeAnts.start();
    f = await bookingFixture(test);
    // Marc opens the same Tuesday hours as Anne: the hub must see each time once.
    expectStatus(await test.call('post', `/api/v1/organisations/${f.mairie}/plages_ouverture`, {
      token: f.tokens.mairieAdmin,
      body: { agent_id: f.mairieAdmin, lieu_id: f.hotelDeVille, motif_ids: [f.cni], title: 'Titres — renfort', first_day: '2026-11-30', start_time: '10:00', end_time: '11:00', recurrence: 'FREQ=WEEKLY;BYDAY=TU', until: '2027-06-30' },
    }), 201);
  });
  afterAll(async () => {
    await ants.stop();
    await test.stop();
  });

  async function turnOn(document: Record<string, unknown> = {}) {
    expectStatus(await test.call('put', '/api/v1/territories/current/config/plugins.ants', {
      token: f.tokens.territorialAdmin, body: { enabled: true, config: { api_url: ants.url, check_numbers: true }, ...document },
    }), 200);
  }

  it('answers 401 without the hub token, with a wrong one, and while the instance has none', async () => {
    for (const path of ['/getManagedMeetingPoints', '/availableTimeSlots?meeting_point_ids=x', '/searchApplicationIds?application_ids=ABCDE12345']) {
      const missing = await hub(path, null);
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ error: expect.any(String) });
      expect((await hub(path, `${HUB_TOKEN}x`)).status).toBe(401);
      expect((await hub(path, HUB_TOKEN.slice(0, -1))).status).toBe(401);
    }
    const env = test.platform.config.env;
    test.platform.config.env = {};
    try {
      expect((await hub('/getManagedMeetingPoints')).status).toBe(401);
      expect((await hub('/getManagedMeetingPoints', '')).status).toBe(401);
    } finally {
      test.platform.config.env = env;
    }
  });

  it('lists no meeting point while ANTS is off, then the lieux with an address and coordinates', async () => {
    expect((await hub('/getManagedMeetingPoints')).body).toEqual([]);
    await turnOn();
    const listed = await hub('/getManagedMeetingPoints');
    expect(listed.status).toBe(200);
    const website = `${test.baseUrl}/public/organisations/${f.mairieSlug}`;
    // The CCAS has no CNI motif: its lieu is not a meeting point.
    expect(listed.body).toEqual(expect.arrayContaining([
      { id: f.hotelDeVille, name: 'Hôtel de ville', longitude: 4.8319, latitude: 46.3066, public_entry_address: '1 place de la Mairie', zip_code: '71000', city_name: 'Val-Fleuri', website },
      { id: f.annexe, name: 'Mairie annexe des Tilleuls', longitude: 4.8197, latitude: 46.3124, public_entry_address: '12 rue des Tilleuls', zip_code: '71000', city_name: 'Val-Fleuri', website },
    ]));
    expect(listed.body).toHaveLength(2);
  });

  it('publishes a new lieu once its address and coordinates are filled, and tells admins why not before', async () => {
    await turnOn();
    const created = await test.call('post', `/api/v1/organisations/${f.mairie}/lieux`, { token: f.tokens.mairieAdmin, body: { name: 'Mairie du Bourg', address: 'Place du Bourg, Val-Fleuri' } });
    expectStatus(created, 201);
    const lieuId = created.body.id as string;
    expect((await hub('/getManagedMeetingPoints')).body.map((point: { id: string }) => point.id)).not.toContain(lieuId);
    const screen = await test.call('get', '/api/v1/plugins/ants/meeting_points', { token: f.tokens.territorialAdmin });
    expectStatus(screen, 200);
    expect(screen.body.data.find((entry: { lieu_id: string }) => entry.lieu_id === lieuId)).toEqual({
      lieu_id: lieuId, organisation_id: f.mairie, organisation_name: 'Mairie de Val-Fleuri', name: 'Mairie du Bourg', published: false,
      reasons: ["L'adresse structurée (rue, code postal, ville) manque", 'Les coordonnées (latitude, longitude) manquent'], meeting_point: null,
    });
    expect(screen.body.data.find((entry: { lieu_id: string }) => entry.lieu_id === f.hotelDeVille)).toMatchObject({ published: true, reasons: [], meeting_point: { id: f.hotelDeVille } });
    expect((await test.call('get', '/api/v1/plugins/ants/meeting_points', { token: f.tokens.mairieAdmin })).status).toBe(403);

    expectStatus(await test.call('patch', `/api/v1/lieux/${lieuId}`, {
      token: f.tokens.mairieAdmin, body: { street: 'Place du Bourg', postcode: '71000', city: 'Val-Fleuri', latitude: 46.3, longitude: 4.82 },
    }), 200);
    expect((await hub('/getManagedMeetingPoints')).body).toContainEqual({
      id: lieuId, name: 'Mairie du Bourg', longitude: 4.82, latitude: 46.3, public_entry_address: 'Place du Bourg', zip_code: '71000', city_name: 'Val-Fleuri',
      website: `${test.baseUrl}/public/organisations/${f.mairieSlug}`,
    });
    // Turned off for the mairie: its lieux leave the hub.
    await turnOn({ organisations: { [f.mairie]: { enabled: false } } });
    expect((await hub('/getManagedMeetingPoints')).body).toEqual([]);
    await turnOn();
  });

  it("refuses the hub's bad parameters with its 400 bodies", async () => {
    await turnOn();
    const base = `meeting_point_ids=${f.hotelDeVille}&start_date=2026-12-01&end_date=2026-12-31`;
    const refused = async (query: string) => {
      const response = await hub(`/availableTimeSlots?${query}`);
      expect(response.status).toBe(400);
      return response.body;
    };
    expect(await refused(`${base}&reason=PERMIS`)).toEqual({ error: { code: 400, message: 'Invalid reason param' } });
    expect(await refused(`meeting_point_ids=${f.hotelDeVille}&start_date=2027-01-01&end_date=2026-12-31&reason=CNI`)).toEqual({ error: { code: 400, message: 'start_date is after end_date' } });
    expect(await refused(`meeting_point_ids=${f.hotelDeVille}&end_date=2026-12-31&reason=CNI`)).toEqual({ error: { code: 400, message: 'Missing start_date param' } });
    expect(await refused(`start_date=2026-12-01&end_date=2026-12-31&reason=CNI`)).toEqual({ error: { code: 400, message: 'Missing meeting_point_ids param' } });
    expect(await refused(`${base}&reason=CNI&documents_number=0`)).toEqual({ error: { code: 400, message: 'Invalid documents_number param: expected an integer from 1 to 10' } });
    expect(await refused(`meeting_point_ids=${f.hotelDeVille}&start_date=2026-12-01&end_date=2027-12-31&reason=CNI`))
      .toEqual({ error: { code: 400, message: 'The period from start_date to end_date is longer than 186 days' } });
    expect((await hub('/searchApplicationIds')).body).toEqual({ error: { code: 400, message: 'Missing application_ids param' } });
  });

  it('answers free slots by meeting point: sorted, each time once, with offsets and a link to book it', async () => {
    await turnOn();
    const ids = [f.hotelDeVille, f.annexe, '7d7f9d4e-0000-4000-8000-000000000000', 'not-a-lieu'];
    const query = (reason: string, extra = '') =>
      `/availableTimeSlots?${ids.map((id) => `meeting_point_ids=${id}`).join('&')}&start_date=2026-11-01&end_date=2026-12-31&reason=${reason}${extra}`;
    const answer = await hub(query('CNI-PASSPORT'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Object.keys(answer.body).sort()).toEqual([f.hotelDeVille, f.annexe].sort());
    expect(answer.body[f.annexe]).toEqual([]);
    const slots = answer.body[f.hotelDeVille] as { datetime: string; callback_url: string }[];
    // Tuesday 1 December: Anne's 9:00–12:00 every 20 minutes; Marc's 10:00–11:00 adds no time of its own.
    expect(slots.filter((slot) => slot.datetime.startsWith('2026-12-01')).map((slot) => slot.datetime.slice(11))).toEqual(
      ['09:00', '09:20', '09:40', '10:00', '10:20', '10:40', '11:00', '11:20', '11:40'].map((time) => `${time}:00+01:00`),
    );
    const times = slots.map((slot) => Date.parse(slot.datetime));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
    expect(slots.every((slot) => /^2026-1[12]-\d{2}T\d{2}:\d{2}:00\+01:00$/.test(slot.datetime))).toBe(true);
    // Nothing in the past: the hub widened the search to the whole of November.
    expect(times[0]).toBeGreaterThan(NOW.getTime());
    expect(slots[0].callback_url).toBe(
      `${test.baseUrl}/public/organisations/${f.mairieSlug}/motifs/${f.cni}?lieu_id=${f.hotelDeVille}&starts_at=${encodeURIComponent(slots[0].datetime)}`,
    );

    // Two documents: 40 minutes each, fewer fit (Anne's every 40 minutes, and Marc's at 10:00).
    const two = (await hub(query('CNI-PASSPORT', '&documents_number=2'))).body[f.hotelDeVille] as { datetime: string }[];
    expect(two.filter((slot) => slot.datetime.startsWith('2026-12-01')).map((slot) => slot.datetime.slice(11, 16))).toEqual(['09:00', '09:40', '10:00', '10:20', '11:00']);
    expect(two.length).toBeLessThan(slots.length);

    // The demo motif is of category cni_passport: CNI alone finds no motif there.
    expect((await hub(query('CNI'))).body).toEqual({ [f.hotelDeVille]: [], [f.annexe]: [] });
    // A single meeting point, not repeated.
    expect(Object.keys((await hub(`/availableTimeSlots?meeting_point_ids=${f.hotelDeVille}&start_date=2026-12-01&end_date=2026-12-01&reason=CNI-PASSPORT`)).body)).toEqual([f.hotelDeVille]);
  });

  it("gives territorial admins the token's state and the base URL to give ANTS, and keeps the token secret", async () => {
    const status = () => test.call('get', '/api/v1/plugins/ants/status', { token: f.tokens.territorialAdmin });
    expect((await status()).body).toEqual({ api_token_set: false, hub_token_set: true, hub_base_url: `${test.baseUrl}/api/ants` });
    expect((await test.call('put', '/api/v1/plugins/ants/api_token', { token: f.tokens.mairieAdmin, body: { token: ants.token } })).status).toBe(403);
    const invalid = await test.call('put', '/api/v1/plugins/ants/api_token', { token: f.tokens.territorialAdmin, body: { token: 'has spaces in it' } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([{ path: 'token', message: expect.any(String) }]);
    expect((await test.call('put', '/api/v1/plugins/ants/api_token', { token: f.tokens.territorialAdmin, body: { token: ants.token } })).status).toBe(204);
    expect((await status()).body.api_token_set).toBe(true);
    const [stored] = await test.sql(`SELECT sealed FROM plugin_secrets WHERE plugin = 'ants' AND name = 'api_token'`);
    expect(stored.sealed).not.toContain(ants.token);
    expect((await test.call('delete', '/api/v1/plugins/ants/api_token', { token: f.tokens.territorialAdmin })).status).toBe(204);
    expect((await status()).body.api_token_set).toBe(false);
  });

  it('refuses a configuration whose API URL is not http(s)', async () => {
    const refused = await test.call('put', '/api/v1/territories/current/config/plugins.ants', {
      token: f.tokens.territorialAdmin, body: { enabled: true, config: { api_url: 'ftp://ants.example/api', check_numbers: true } },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: 'config.api_url', message: 'must match pattern "^https?://"' }]);
  });
});
