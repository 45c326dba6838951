import { demoIds, TestPlatform } from '../../support/platform';
import { countRows, expectProblem, fingerprint, invitationLink, invitationLinks, invitationToken } from './helpers';

const NEW_PASSWORD = 'un-mot-de-passe-solide';
const INVITATION_TTL_MS = 48 * 3600 * 1000;

describe('inviting, accepting and removing agents', () => {
  let test: TestPlatform;
  let demo: Awaited<ReturnType<typeof demoIds>>;
  let territorial: string;
  let mairieAdmin: string;
  let ccasAdmin: string;

  beforeAll(async () => {
    test = await TestPlatform.start();
    demo = await demoIds(test);
    territorial = await test.signIn('territoire@demo.test');
    mairieAdmin = await test.signIn('admin.mairie@demo.test');
    ccasAdmin = await test.signIn('travailleur.social@demo.test');
  });
  afterAll(() => test?.stop());

  const invite = (token: string, organisationId: string, body: Record<string, unknown>) =>
    test.call('post', `/api/v1/organisations/${organisationId}/agents`, { token, body: { access_level: 'basic', service_ids: ['etat_civil'], ...body } });
  const accept = (invitationUrl: string, password = NEW_PASSWORD) =>
    test.call('post', `/api/v1/invitations/${invitationToken(invitationUrl)}/accept`, { body: { password } });

  /** Invites into the Mairie, accepts, signs in: an agent with a session. */
  async function newAgent(email: string, accessLevel = 'basic', organisationId = demo.mairie): Promise<{ id: string; token: string }> {
    const invited = await invite(territorial, organisationId, { email, access_level: accessLevel });
    expect(invited.status).toBe(201);
    expect((await accept(await invitationLink(test, email))).status).toBe(200);
    return { id: invited.body.agent.id, token: await test.signIn(email, NEW_PASSWORD) };
  }

  it('answers 201 with the agent and emails them the invitation link, which sets the password and signs in', async () => {
    const invited = await invite(mairieAdmin, demo.mairie, { email: 'Claire.Nouvelle@demo.test', first_name: 'Claire', last_name: 'Nouvelle' });
    expect(invited.status).toBe(201);
    expect(invited.body.invitation_sent).toBe(true);
    expect(Object.keys(invited.body).sort()).toEqual(['agent', 'invitation_sent']);
    expect(invited.body.agent).toMatchObject({
      email: 'Claire.Nouvelle@demo.test', first_name: 'Claire', invitation_pending: true, service_ids: ['etat_civil'],
      roles: [{ organisation_id: demo.mairie, access_level: 'basic' }],
    });
    const link = await invitationLink(test, 'Claire.Nouvelle@demo.test');
    expect(link).toMatch(new RegExp(`^${test.baseUrl}/admin/invitations/[A-Za-z0-9_-]{40,}$`));
    // Not signed in yet: no password.
    expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'claire.nouvelle@demo.test', password: NEW_PASSWORD } })).status).toBe(401);

    const before = await fingerprint(test);
    const short = await accept(link, 'trop-court');
    expectProblem(short, 422);
    expect(short.body.errors.map((error: { path: string }) => error.path)).toEqual(['password']);
    expect(await fingerprint(test)).toEqual(before);

    const accepted = await accept(link);
    expect(accepted.status).toBe(200);
    expect(accepted.body.agent).toMatchObject({ id: invited.body.agent.id, invitation_pending: false });
    const me = await test.call('get', '/api/v1/auth/me', { token: accepted.body.token });
    expect(me.body.email).toBe('Claire.Nouvelle@demo.test');
    expect(await test.signIn('claire.nouvelle@demo.test', NEW_PASSWORD)).toEqual(expect.any(String));
  });

  it('refuses an expired invitation (410), a used one (409) and an unknown one (404), writing nothing', async () => {
    await invite(mairieAdmin, demo.mairie, { email: 'en.retard@demo.test' });
    await invite(mairieAdmin, demo.mairie, { email: 'deja.venu@demo.test' });
    const expiring = await invitationLink(test, 'en.retard@demo.test');
    const used = await invitationLink(test, 'deja.venu@demo.test');
    expect((await accept(used)).status).toBe(200);

    const before = await fingerprint(test);
    const start = test.clock.now();
    try {
      test.clock.advance(INVITATION_TTL_MS + 60_000);
      expectProblem(await accept(expiring), 410);
    } finally {
      test.clock.set(start);
    }
    const reused = await accept(used, 'un-autre-mot-de-passe');
    expectProblem(reused, 409);
    expectProblem(await test.call('post', `/api/v1/invitations/${'x'.repeat(43)}/accept`, { body: { password: NEW_PASSWORD } }), 404);
    expect(await fingerprint(test)).toEqual(before);
    // The first password still holds.
    expect(await test.signIn('deja.venu@demo.test', NEW_PASSWORD)).toEqual(expect.any(String));
  });

  it('resends an invitation (a new email; the earlier link stops working) and withdraws one, showing where it stands', async () => {
    const invited = await invite(mairieAdmin, demo.mairie, { email: 'relance@demo.test', first_name: 'Rémi' });
    const id = invited.body.agent.id;
    const sentAt = test.clock.now().toISOString();
    expect(invited.body.agent.invitation).toEqual({
      status: 'pending', sent_at: sentAt, expires_at: new Date(test.clock.now().getTime() + INVITATION_TTL_MS).toISOString(),
    });
    const first = await invitationLink(test, 'relance@demo.test');
    const invitationPath = (organisationId = demo.mairie) => `/api/v1/organisations/${organisationId}/agents/${id}/invitation`;

    const start = test.clock.now();
    try {
      test.clock.advance(INVITATION_TTL_MS + 60_000);
      // Two days later: new sessions.
      const admin = await test.signIn('admin.mairie@demo.test');
      const otherAdmin = await test.signIn('travailleur.social@demo.test');
      const listed = await test.call('get', `/api/v1/organisations/${demo.mairie}/agents`, { token: admin });
      expect(listed.body.data.find((agent: { id: string }) => agent.id === id).invitation).toMatchObject({ status: 'expired', sent_at: sentAt });

      // Another organisation's admin, a basic agent, and a wrong organisation: refused, nothing sent.
      const before = await fingerprint(test);
      expectProblem(await test.call('post', invitationPath(demo.ccas), { token: otherAdmin }), 404);
      expectProblem(await test.call('post', invitationPath(), { token: await test.signIn('agent.urbanisme@demo.test') }), 403);
      expectProblem(await test.call('post', `/api/v1/organisations/${demo.mairie}/agents/${demo.basicEtatCivil}/invitation`, { token: admin }), 409);
      expectProblem(await test.call('post', `/api/v1/organisations/${demo.ccas}/agents/${demo.intervenant}/invitation`, { token: otherAdmin }), 409);
      expect(await fingerprint(test)).toEqual(before);
      expect(await invitationLinks(test, 'relance@demo.test')).toEqual([first]);

      const resent = await test.call('post', invitationPath(), { token: admin });
      expect(resent.status).toBe(200);
      expect(resent.body).toMatchObject({ id, invitation_pending: true, invitation: { status: 'pending', sent_at: test.clock.now().toISOString() } });
      const second = await invitationLink(test, 'relance@demo.test');
      expect(second).not.toBe(first);
      expectProblem(await accept(first), 404);

      const withdrawn = await test.call('delete', invitationPath(), { token: admin });
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({ invitation_pending: false, invitation: { status: 'revoked' } });
      const refused = await accept(second);
      expectProblem(refused, 410);
      expect(refused.body.detail).toMatch(/withdrawn/);

      // Sent again after withdrawal, the new link works.
      expect((await test.call('post', invitationPath(), { token: admin })).status).toBe(200);
      expect((await accept(await invitationLink(test, 'relance@demo.test'))).status).toBe(200);
      expectProblem(await test.call('post', invitationPath(), { token: admin }), 409);
      const joined = await test.call('get', `/api/v1/agents/${id}`, { token: admin });
      expect(joined.body).toMatchObject({ invitation_pending: false, invitation: null });
    } finally {
      test.clock.set(start);
    }
  });

  it('gives an intervenant (a name, no email) an agenda but no invitation and no way to sign in', async () => {
    const before = await countRows(test, 'invitations', 'agents');
    const created = await invite(ccasAdmin, demo.ccas, { name: 'Permanence notaire', access_level: 'intervenant', service_ids: ['social'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ invitation_sent: false, agent: { email: null, last_name: 'Permanence notaire', invitation_pending: false } });
    expect(await countRows(test, 'invitations', 'agents')).toEqual({ invitations: before.invitations, agents: before.agents + 1 });
    const [stored] = await test.sql(`SELECT email, password_hash FROM agents WHERE id = $1`, [created.body.agent.id]);
    expect(stored).toEqual({ email: null, password_hash: null });

    const listed = await test.call('get', `/api/v1/organisations/${demo.ccas}/agents`, { token: ccasAdmin });
    expect(listed.body.data.map((agent: { id: string }) => agent.id)).toContain(created.body.agent.id);

    const withEmail = await invite(ccasAdmin, demo.ccas, { name: 'Juriste', email: 'juriste@demo.test', access_level: 'intervenant', service_ids: ['social'] });
    expectProblem(withEmail, 422);
    expect(withEmail.body.errors[0].path).toBe('email');
    // Nor can an intervenant's role be turned into a login.
    const promoted = await test.call('patch', `/api/v1/agents/${created.body.agent.id}`,
      { token: ccasAdmin, body: { organisation_id: demo.ccas, access_level: 'basic' } });
    expectProblem(promoted, 422);
  });

  it("refuses an email already used in another territory (409), writing nothing in either", async () => {
    await test.createTerritory('Territoire voisin', 'admin@voisin.test');
    const before = await fingerprint(test);
    const taken = await invite(mairieAdmin, demo.mairie, { email: 'ADMIN@voisin.test' });
    expectProblem(taken, 409);
    expect(taken.body.errors).toEqual([{ path: 'email', message: 'is already used' }]);
    expect(await fingerprint(test)).toEqual(before);
  });

  it('adds a role when an agent of the territory is invited into a second organisation', async () => {
    const agentsBefore = await countRows(test, 'agents');
    const added = await invite(ccasAdmin, demo.ccas, { email: 'agent.etatcivil@demo.test', service_ids: ['social'] });
    expect(added.status).toBe(201);
    expect(added.body.agent.id).toBe(demo.basicEtatCivil);
    expect(added.body.invitation_sent).toBe(false); // they already have a password: nothing to accept
    expect(await invitationLinks(test, 'agent.etatcivil@demo.test')).toEqual([]);
    // The inviter hears of the role they gave, not of the agent's roles elsewhere.
    expect(added.body.agent.roles).toEqual([{ organisation_id: demo.ccas, access_level: 'basic' }]);
    // The agent's services are the territorial admin's to change, not the inviter's.
    expect(added.body.agent.service_ids).toEqual(['etat_civil', 'titres_identite']);
    expect(await countRows(test, 'agents')).toEqual(agentsBefore);

    // Now a member of the CCAS, the agent sees it; its admin sees the agent.
    const agentToken = await test.signIn('agent.etatcivil@demo.test');
    const organisations = await test.call('get', '/api/v1/organisations', { token: agentToken });
    expect(organisations.body.data.map((organisation: { id: string }) => organisation.id).sort()).toEqual([demo.mairie, demo.ccas].sort());
    expect((await test.call('get', `/api/v1/agents/${demo.basicEtatCivil}`, { token: ccasAdmin })).status).toBe(200);

    const again = await invite(ccasAdmin, demo.ccas, { email: 'agent.etatcivil@demo.test' });
    expectProblem(again, 409);

    // Removed from the CCAS only: still an agent of the Mairie.
    const removed = await test.call('delete', `/api/v1/agents/${demo.basicEtatCivil}?organisation_id=${demo.ccas}`, { token: ccasAdmin });
    expect(removed.status).toBe(204);
    const [agent] = await test.sql(`SELECT deleted_at FROM agents WHERE id = $1`, [demo.basicEtatCivil]);
    expect(agent.deleted_at).toBeNull();
    expect((await test.call('get', `/api/v1/agents/${demo.basicEtatCivil}`, { token: ccasAdmin })).status).toBe(404);
  });

  it('an organisation admin cannot remove themselves (403), and nobody removes or demotes the last admin (409)', async () => {
    const before = await fingerprint(test);
    expectProblem(await test.call('delete', `/api/v1/agents/${demo.mairieAdmin}`, { token: mairieAdmin }), 403);
    expect(await fingerprint(test)).toEqual(before);

    const mediatheque = await test.call('post', '/api/v1/organisations', { token: territorial, body: { name: 'Médiathèque' } });
    const onlyAdmin = await newAgent('bibliothecaire@demo.test', 'admin', mediatheque.body.id);
    const beforeLast = await fingerprint(test);
    expectProblem(await test.call('delete', `/api/v1/agents/${onlyAdmin.id}`, { token: territorial }), 409);
    expectProblem(await test.call('delete', `/api/v1/agents/${onlyAdmin.id}`, { token: onlyAdmin.token }), 403);
    expectProblem(await test.call('patch', `/api/v1/agents/${onlyAdmin.id}`,
      { token: onlyAdmin.token, body: { organisation_id: mediatheque.body.id, access_level: 'basic' } }), 409);
    expect(await fingerprint(test)).toEqual(beforeLast);

    // With a second admin, the first may step down.
    await newAgent('directrice@demo.test', 'admin', mediatheque.body.id);
    const stepDown = await test.call('patch', `/api/v1/agents/${onlyAdmin.id}`,
      { token: onlyAdmin.token, body: { organisation_id: mediatheque.body.id, access_level: 'basic' } });
    expect(stepDown.status).toBe(200);
    expect(stepDown.body.roles).toEqual([{ organisation_id: mediatheque.body.id, access_level: 'basic' }]);
  });

  it('removing an agent from their last organisation soft-deletes them; their email may be invited again', async () => {
    const leaving = await newAgent('depart@demo.test');
    expect((await test.call('delete', `/api/v1/agents/${leaving.id}`, { token: mairieAdmin })).status).toBe(204);

    const [stored] = await test.sql(`SELECT deleted_at FROM agents WHERE id = $1`, [leaving.id]);
    expect(stored.deleted_at).not.toBeNull();
    expect((await test.call('get', '/api/v1/auth/me', { token: leaving.token })).status).toBe(401);
    expect((await test.call('post', '/api/v1/auth/sign_in', { body: { email: 'depart@demo.test', password: NEW_PASSWORD } })).status).toBe(401);
    expect((await test.call('get', `/api/v1/agents/${leaving.id}`, { token: mairieAdmin })).status).toBe(404);

    const back = await invite(mairieAdmin, demo.mairie, { email: 'depart@demo.test' });
    expect(back.status).toBe(201);
    expect(back.body.agent.id).not.toBe(leaving.id);
    expect(back.body.agent.invitation_pending).toBe(true);
  });

  it('refuses to remove an agent expected at rdvs to come there (409 listing them), and removes them once those are given to another', async () => {
    const inForce = test.clock.now();
    test.clock.set(new Date('2026-11-30T07:00:00Z'));
    try {
      const leaving = await newAgent('remplacante@demo.test');
      const [mariage] = await test.sql(`SELECT id FROM motifs WHERE name = 'Mariage — constitution du dossier'`);
      const [hotelDeVille] = await test.sql(`SELECT id FROM lieux WHERE name = 'Hôtel de ville'`);
      const usager = await test.call('post', `/api/v1/organisations/${demo.mairie}/users`, { token: mairieAdmin, body: { first_name: 'Inès', last_name: 'Garnier' } });
      const book = async (startsAt: string) => {
        const rdv = await test.call('post', `/api/v1/organisations/${demo.mairie}/rdvs`, {
          token: mairieAdmin, body: { motif_id: mariage.id, lieu_id: hotelDeVille.id, starts_at: startsAt, agent_ids: [leaving.id], user_ids: [usager.body.id], force: true },
        });
        expect(rdv.status).toBe(201);
        return rdv.body.id as string;
      };
      const later = await book('2026-12-09T14:00:00+01:00');
      const sooner = await book('2026-12-08T09:00:00+01:00');
      const cancelled = await book('2026-12-08T11:00:00+01:00');
      expect((await test.call('patch', `/api/v1/rdvs/${cancelled}`, { token: mairieAdmin, body: { status: 'revoked' } })).status).toBe(200);

      const before = await fingerprint(test);
      const refused = await test.call('delete', `/api/v1/agents/${leaving.id}`, { token: mairieAdmin });
      expect(refused.status).toBe(409);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 409, detail: expect.stringMatching(/rdvs to come/) });
      expect(refused.body.rdvs).toEqual([
        { id: sooner, organisation_id: demo.mairie, starts_at: '2026-12-08T08:00:00.000Z', motif: 'Mariage — constitution du dossier' },
        { id: later, organisation_id: demo.mairie, starts_at: '2026-12-09T13:00:00.000Z', motif: 'Mariage — constitution du dossier' },
      ]);
      expect(await fingerprint(test)).toEqual(before);

      for (const rdv of [sooner, later]) {
        const moved = await test.call('patch', `/api/v1/rdvs/${rdv}`, { token: mairieAdmin, body: { agent_ids: [demo.basicEtatCivil], force: true } });
        expect(moved.status).toBe(200);
      }
      expect((await test.call('delete', `/api/v1/agents/${leaving.id}`, { token: mairieAdmin })).status).toBe(204);
    } finally {
      test.clock.set(inForce);
    }
  });

  it('territorial admins grant and withdraw territorial admin, never their own; the agent sees every organisation meanwhile', async () => {
    const promoted = await newAgent('coordinatrice@demo.test');
    const territoryOnly = () => test.call('get', '/api/v1/plugins', { token: promoted.token });
    expect((await territoryOnly()).status).toBe(403);

    const before = await fingerprint(test);
    expectProblem(await test.call('patch', `/api/v1/agents/${promoted.id}`, { token: mairieAdmin, body: { territorial_admin: true } }), 403);
    expect(await fingerprint(test)).toEqual(before);
    const invalid = await test.call('patch', `/api/v1/agents/${promoted.id}`, { token: territorial, body: { territorial_admin: 'yes' } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ path: 'territorial_admin' })]);

    const granted = await test.call('patch', `/api/v1/agents/${promoted.id}`, { token: territorial, body: { territorial_admin: true } });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ territorial_admin: true, roles: [{ organisation_id: demo.mairie, access_level: 'basic' }] });
    expect((await territoryOnly()).status).toBe(200);
    expect((await test.call('get', `/api/v1/organisations/${demo.ccas}/agents`, { token: promoted.token })).status).toBe(200);

    const [{ id: territorialId }] = await test.sql(`SELECT id FROM agents WHERE email = 'territoire@demo.test'`);
    expectProblem(await test.call('patch', `/api/v1/agents/${territorialId}`, { token: territorial, body: { territorial_admin: false } }), 403);
    expectProblem(await test.call('patch', `/api/v1/agents/${promoted.id}`, { token: promoted.token, body: { territorial_admin: false } }), 403);

    const withdrawn = await test.call('patch', `/api/v1/agents/${promoted.id}`, { token: territorial, body: { territorial_admin: false } });
    expect(withdrawn.body.territorial_admin).toBe(false);
    expect((await territoryOnly()).status).toBe(403);
  });

  it('lets territorial admins invite into several organisations at once, with one emailed link that the answer never carries', async () => {
    const before = await fingerprint(test);
    expectProblem(await invite(mairieAdmin, demo.mairie, { email: 'polyvalente@demo.test', also_organisation_ids: [demo.ccas] }), 403);
    const unknown = await invite(territorial, demo.mairie, { email: 'polyvalente@demo.test', also_organisation_ids: [demo.ccas, '00000000-0000-4000-8000-000000000000'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ path: 'also_organisation_ids.1', message: 'is not an organisation of this territory' }]);
    expect(await fingerprint(test)).toEqual(before);

    const invited = await invite(territorial, demo.mairie, { email: 'polyvalente@demo.test', first_name: 'Lou', also_organisation_ids: [demo.ccas] });
    expect(invited.status).toBe(201);
    expect(invited.body.invitation_sent).toBe(true);
    expect(invited.body.agent.roles).toEqual(expect.arrayContaining([
      { organisation_id: demo.mairie, access_level: 'basic' }, { organisation_id: demo.ccas, access_level: 'basic' },
    ]));
    expect(invited.body.agent.roles).toHaveLength(2);
    expect(JSON.stringify(invited.body)).not.toMatch(/invitations\//);
    expect(await invitationLinks(test, 'polyvalente@demo.test')).toHaveLength(1);

    // An agent who already has a password joins the others as they are, without a link; their roles elsewhere stay.
    const [hugo] = await test.sql(`SELECT id FROM agents WHERE email = 'agent.urbanisme@demo.test'`);
    const joined = await invite(territorial, demo.ccas, { email: 'agent.urbanisme@demo.test', also_organisation_ids: [demo.mairie] });
    expect(joined.status).toBe(201);
    expect(joined.body.invitation_sent).toBe(false);
    expect(await invitationLinks(test, 'agent.urbanisme@demo.test')).toHaveLength(0);
    expect(await test.sql(`SELECT organisation_id, access_level FROM agent_roles WHERE agent_id = $1 ORDER BY organisation_id = $2`, [hugo.id, demo.mairie])).toEqual([
      { organisation_id: demo.ccas, access_level: 'basic' }, { organisation_id: demo.mairie, access_level: 'basic' },
    ]);
  });

  it("only territorial admins change an agent's services", async () => {
    const before = await fingerprint(test);
    const refused = await test.call('patch', `/api/v1/agents/${demo.basicUrbanisme}`, { token: mairieAdmin, body: { service_ids: ['etat_civil'] } });
    expectProblem(refused, 403);
    expect(await fingerprint(test)).toEqual(before);

    const changed = await test.call('patch', `/api/v1/agents/${demo.basicUrbanisme}`, { token: territorial, body: { service_ids: ['etat_civil', 'urbanisme'] } });
    expect(changed.status).toBe(200);
    expect(changed.body.service_ids).toEqual(['etat_civil', 'urbanisme']);
    const notEnabled = await test.call('patch', `/api/v1/agents/${demo.basicUrbanisme}`, { token: territorial, body: { service_ids: ['urbanisme', 'culture'] } });
    expectProblem(notEnabled, 422);
    expect(notEnabled.body.errors).toEqual([{ path: 'service_ids.1', message: 'is not a service enabled in this territory' }]);
  });
});
