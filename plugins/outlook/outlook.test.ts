import type { HttpResponse } from '../../platform/src/plugins/sdk';
import { PluginTestHarness, validateConfig } from '../testing';
import plugin from './index';
import { authorizeUrl, endpointsOf, retryAfterMs } from './microsoft';
import { eventOf, transactionIdOf } from './sync';

const rdv = {
  id: 'rdv-1', organisation_id: 'org', motif_id: 'motif', lieu_id: 'lieu-1', starts_at: '2027-07-05T09:30:00+02:00', ends_at: '2027-07-05T10:00:00+02:00',
  status: 'unknown', cancelled: false, agent_ids: ['agent-1'], custom_fields: { dossier: 'confidentiel' },
  usagers: [{ id: 'u1', participation_id: 'p1', first_name: 'Camille', last_name: 'Martin', participation_status: 'unknown', custom_fields: { nir: '1850775123456' } }],
};
const answer = (headers: Record<string, string>): HttpResponse => ({ status: 429, headers, body: '', truncated: false });

describe('Outlook 365 plugin', () => {
  it('writes the motif, the wall-clock times in the zone, the lieu and the link, and nothing of the usagers', () => {
    const event = eventOf(rdv, { name: 'Carte d’identité', location_type: 'public_office' }, { name: 'Mairie', address: '1 place <Haute>' }, 'https://rdv.test/admin/rdvs/rdv-1?a=1&b=2', 'Europe/Paris');
    expect(event).toMatchObject({
      subject: 'Carte d’identité',
      start: { dateTime: '2027-07-05T09:30:00', timeZone: 'Europe/Paris' },
      end: { dateTime: '2027-07-05T10:00:00', timeZone: 'Europe/Paris' },
      location: { displayName: 'Mairie, 1 place <Haute>' },
      attendees: [],
    });
    expect(event.body.content).toContain('href="https://rdv.test/admin/rdvs/rdv-1?a=1&#38;b=2"');
    for (const personal of ['Camille', 'Martin', '1850775123456', 'confidentiel']) expect(JSON.stringify(event)).not.toContain(personal);
    // A phone motif has no lieu: the way it takes place instead.
    expect(eventOf({ ...rdv, lieu_id: null }, { name: 'Conseil', location_type: 'phone' }, null, 'x', 'Europe/Paris').location.displayName).toBe('Par téléphone');
  });

  it('keeps one transaction id per rdv, agent and connection', () => {
    expect(transactionIdOf('rdv-1', 'agent-1', 'c1')).toBe(transactionIdOf('rdv-1', 'agent-1', 'c1'));
    expect(new Set([transactionIdOf('rdv-1', 'agent-1', 'c1'), transactionIdOf('rdv-1', 'agent-2', 'c1'), transactionIdOf('rdv-2', 'agent-1', 'c1'), transactionIdOf('rdv-1', 'agent-1', 'c2')]).size).toBe(4);
  });

  it('waits Retry-After, in seconds or as a date, and backs off exponentially without it', () => {
    const now = new Date('2027-01-04T10:00:00Z');
    expect(retryAfterMs(answer({ 'retry-after': '7' }), 1, now)).toBe(7000);
    expect(retryAfterMs(answer({ 'retry-after': 'Mon, 04 Jan 2027 10:00:30 GMT' }), 1, now)).toBe(30_000);
    expect([1, 2, 3].map((attempt) => retryAfterMs(answer({}), attempt, now))).toEqual([2000, 4000, 8000]);
    expect(retryAfterMs(answer({}), 20, now)).toBe(300_000);
  });

  it('asks Microsoft for the delegated scopes, the callback and the agent as a hint, once the instance has its application', () => {
    expect(endpointsOf(new PluginTestHarness(plugin).ctx)).toBeNull();
    const harness = new PluginTestHarness(plugin, { instance: { clientId: 'client', clientSecret: 'secret' }, publicUrl: 'https://rdv.test' });
    const endpoints = endpointsOf(harness.ctx)!;
    expect(endpoints).toMatchObject({ authorityUrl: 'https://login.microsoftonline.com/common/oauth2/v2.0', graphUrl: 'https://graph.microsoft.com/v1.0', redirectUri: 'https://rdv.test/api/outlook/callback' });
    const url = new URL(authorizeUrl(endpoints, 'territory.nonce', 'anne@example.fr'));
    expect(`${url.origin}${url.pathname}`).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/authorize');
    expect(url.searchParams.get('scope')!.split(' ')).toEqual(['offline_access', 'openid', 'email', 'profile', 'User.Read', 'Calendars.ReadWrite']);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: 'client', redirect_uri: 'https://rdv.test/api/outlook/callback', state: 'territory.nonce', login_hint: 'anne@example.fr', response_type: 'code' });
    expect(() => validateConfig(plugin, { anything: true })).toThrow();
  });

  it('refuses a callback whose state names no territory', async () => {
    const harness = new PluginTestHarness(plugin, { territoryId: 'territory', publicUrl: 'https://rdv.test' });
    expect((await harness.callPartnerRoute('get', '/callback', { query: { code: 'x', state: 'nonsense' } })).status).toBe(400);
  });
});
