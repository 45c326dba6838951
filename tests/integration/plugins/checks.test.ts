import { TestPlatform } from '../../support/platform';
import type { Receiver } from '../../support/receiver';
import { BookingFixture, bookingFixture, expectStatus, holdCode, NOW, publicCreneaux } from '../booking/helpers';
import { expectProblem, fingerprint } from '../foundation/helpers';
import {
  CHECK_TIMEOUT_MS, CONFIG_URL, ELSEWHERE, installTitresPlugin, NOTE, NUMBER, partnerChecks, REFUSED, TIMEOUT_MESSAGE,
} from './titres-plugin';

/** Plugins on for the rdv's organisation check a booking before it is written: refuse, warn until confirmed, or fail it in bounded time. */
describe('plugin checks before commit', () => {
  let test: TestPlatform;
  let f: BookingFixture;
  let partner: Receiver;

  beforeAll(async () => {
    test = await TestPlatform.start({ now: NOW });
    partner = await installTitresPlugin(test);
    f = await bookingFixture(test);
    // On for the territory, off for the CCAS.
    expectStatus(await test.call('put', CONFIG_URL, {
      token: f.tokens.territorialAdmin,
      body: { enabled: true, config: { api_url: partner.url }, organisations: { [f.ccas]: { enabled: false } } },
    }), 200);
  });
  afterAll(async () => {
    await partner?.stop();
    await test?.stop();
  });

  async function usagerWithNumber(number: string, organisationId = f.mairie, token = f.tokens.mairieAdmin): Promise<string> {
    const created = await test.call('post', `/api/v1/organisations/${organisationId}/users`, {
      token, body: { first_name: 'Lou', last_name: `Numéro ${number}`, email: `${number.toLowerCase()}@example.fr`, custom_fields: { [NUMBER]: number } },
    });
    expectStatus(created, 201);
    return created.body.id;
  }
  const bookCni = (userId: string, startsAt: string, extra: Record<string, unknown> = {}) => test.call('post', `/api/v1/organisations/${f.mairie}/rdvs`, {
    token: f.tokens.etatCivil, body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: startsAt, agent_ids: [f.basicEtatCivil], user_ids: [userId], ...extra },
  });
  const bookOnline = async (day: string, number: string, extra: Record<string, unknown> = {}) => {
    const [slot] = await publicCreneaux(test, f.mairieSlug, f.cni, f.hotelDeVille, day);
    return test.call('post', '/api/public/rdvs', {
      body: { motif_id: f.cni, lieu_id: f.hotelDeVille, starts_at: slot.starts_at, user: { first_name: 'Yanis', last_name: 'Morel', email: `${number.toLowerCase()}@example.fr`, custom_fields: { [NUMBER]: number } }, ...extra },
    });
  };

  it("refuses an agent's booking the plugin refuses, with the usager's path, writing nothing", async () => {
    const usager = await usagerWithNumber('REFUSE0001');
    const before = await fingerprint(test);
    const refused = await bookCni(usager, '2026-12-01T09:00:00+01:00', { force: true });
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: 'user_ids.0', message: REFUSED }]);
    expect(await fingerprint(test)).toEqual(before);
    expect(partnerChecks(partner).at(-1)).toMatchObject({ changes: ['created'], channel: 'agent', rdv_id: null, numbers: ['REFUSE0001'] });
  });

  it('asks an agent to confirm what the plugin warns of, with the agenda warnings, and books with force', async () => {
    const usager = await usagerWithNumber('WARN000001');
    const before = await fingerprint(test);
    // 08:00 is outside Anne's plage: the agenda's warning and the plugin's come together.
    const warned = await bookCni(usager, '2026-12-01T08:00:00+01:00');
    expectProblem(warned, 409);
    expect(warned.body.errors).toEqual([
      { path: 'agent_ids.0', message: expect.any(String) },
      { path: 'user_ids.0', message: ELSEWHERE },
    ]);
    expect(await fingerprint(test)).toEqual(before);
    expectStatus(await bookCni(usager, '2026-12-01T08:00:00+01:00', { force: true }), 201);
  });

  it('refuses with the plugin\'s message within about its time when its partner is late, and says so when it fails, writing nothing', async () => {
    const usager = await usagerWithNumber('SLOW000001');
    const before = await fingerprint(test);
    const started = Date.now();
    const late = await bookCni(usager, '2026-12-01T09:40:00+01:00');
    const elapsed = Date.now() - started;
    expectProblem(late, 503);
    expect(late.body.detail).toBe(TIMEOUT_MESSAGE);
    expect(elapsed).toBeGreaterThanOrEqual(CHECK_TIMEOUT_MS);
    expect(elapsed).toBeLessThan(CHECK_TIMEOUT_MS + 1_200);
    expect(await fingerprint(test)).toEqual(before);

    const broken = await bookCni(await usagerWithNumber('BROKEN0001'), '2026-12-01T09:40:00+01:00');
    expectProblem(broken, 503);
    expect(broken.body.detail).toMatch(/vérification de ce rendez-vous a échoué/);
  });

  it('checks a change only when it moves the rdv, changes its usagers or its fiche', async () => {
    const usager = await usagerWithNumber('OKAY000001');
    const booked = await bookCni(usager, '2026-12-02T10:00:00+01:00');
    expectStatus(booked, 201);
    const change = (body: Record<string, unknown>) => test.call('patch', `/api/v1/rdvs/${booked.body.id}`, { token: f.tokens.etatCivil, body });
    const asked = () => partnerChecks(partner).length;

    let count = asked();
    expectStatus(await change({ status: 'excused' }), 200);
    expectStatus(await change({ status: 'unknown' }), 200);
    expect(asked()).toBe(count);

    expectStatus(await change({ starts_at: '2026-12-02T10:20:00+01:00' }), 200);
    expect(partnerChecks(partner).at(-1)).toMatchObject({ changes: ['moved'], channel: 'agent', rdv_id: booked.body.id, numbers: ['OKAY000001'] });
    expectStatus(await change({ custom_fields: { [NOTE]: ' pièces vues ' } }), 200);
    expect(partnerChecks(partner).at(-1)).toMatchObject({ changes: ['fields'], note: 'pièces vues' });
    count = asked();
    expectStatus(await change({ custom_fields: { [NOTE]: 'pièces vues' } }), 200);
    expect(asked()).toBe(count);

    const refusedUsager = await usagerWithNumber('REFUSE0002');
    const before = await fingerprint(test);
    const refused = await change({ user_ids: [usager, refusedUsager] });
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: 'user_ids.1', message: REFUSED }]);
    expect(partnerChecks(partner).at(-1)).toMatchObject({ changes: ['usagers'], numbers: ['OKAY000001', 'REFUSE0002'] });
    expect(await fingerprint(test)).toEqual(before);
  });

  it("refuses an online booking at the booker's field, asks to accept warnings, and times out with the plugin's message", async () => {
    const before = await fingerprint(test);
    const refused = await bookOnline('2026-12-03', 'refuse0003');
    expectProblem(refused, 422);
    expect(refused.body.errors).toEqual([{ path: `user.custom_fields.${NUMBER}`, message: REFUSED }]);
    // The plugin reads the value as it will be stored.
    expect(partnerChecks(partner).at(-1)).toMatchObject({ changes: ['created'], channel: 'online', numbers: ['REFUSE0003'] });

    const warned = await bookOnline('2026-12-03', 'WARN000003');
    expectProblem(warned, 409);
    expect(warned.body.errors).toEqual([{ path: `user.custom_fields.${NUMBER}`, message: ELSEWHERE }]);
    const late = await bookOnline('2026-12-03', 'SLOW000003');
    expectProblem(late, 503);
    expect(late.body.detail).toBe(TIMEOUT_MESSAGE);
    expect(await fingerprint(test)).toEqual(before);

    expectStatus(await bookOnline('2026-12-03', 'WARN000003', { accept_warnings: true }), 202);
  });

  it("checks an usager's move of their rdv with their fiche, and moves once they accept the warning", async () => {
    expectStatus(await test.call('patch', `/api/v1/motifs/${f.cni}`, { token: f.tokens.mairieAdmin, body: { rdvs_editable_by_user: true } }), 200);
    const held = await bookOnline('2026-12-14', 'OKAY000005');
    expectStatus(held, 202);
    const confirmed = await test.call('post', `/api/public/rdvs/${held.body.id}/confirm`, { body: { code: await holdCode(test, held.body.id) } });
    expectStatus(confirmed, 200);
    const token = confirmed.body.manage_url.split('/').pop();
    const [fiche] = await test.sql(`SELECT id FROM users WHERE email = 'okay000005@example.fr'`);
    expectStatus(await test.call('patch', `/api/v1/users/${fiche.id}`, { token: f.tokens.mairieAdmin, body: { custom_fields: { [NUMBER]: 'WARN000005' } } }), 200);
    const move = (extra: Record<string, unknown> = {}) =>
      test.call('post', `/api/public/rdvs/${token}/move`, { body: { last_name_prefix: 'mor', starts_at: '2026-12-15T09:00:00+01:00', ...extra } });

    const before = await fingerprint(test);
    const warned = await move();
    expectProblem(warned, 409);
    expect(warned.body.errors).toEqual([{ path: `user.custom_fields.${NUMBER}`, message: ELSEWHERE }]);
    expect(partnerChecks(partner).at(-1)).toMatchObject({ changes: ['moved'], channel: 'online', rdv_id: confirmed.body.id, numbers: ['WARN000005'] });
    expect(await fingerprint(test)).toEqual(before);
    const moved = await move({ accept_warnings: true });
    expectStatus(moved, 200);
    expect(moved.body.starts_at).toBe('2026-12-15T09:00:00+01:00');
  });

  it('does not ask a plugin that is off for the organisation', async () => {
    const usager = await usagerWithNumber('REFUSE0004', f.ccas, f.tokens.ccasAdmin);
    const count = partnerChecks(partner).length;
    const booked = await test.call('post', `/api/v1/organisations/${f.ccas}/rdvs`, {
      token: f.tokens.ccasAdmin,
      body: { motif_id: f.accueilSocial, lieu_id: f.maisonSolidarites, starts_at: '2026-12-01T10:00:00+01:00', agent_ids: [f.ccasAdmin], user_ids: [usager] },
    });
    expectStatus(booked, 201);
    expect(partnerChecks(partner).length).toBe(count);
  });
});
