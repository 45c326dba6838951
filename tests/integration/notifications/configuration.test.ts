import { DEFAULT_TEMPLATES } from '../../../platform/src/notifications/default-templates';
import { findMergeField, MERGE_FIELDS } from '../../../platform/src/notifications/merge-fields';
import { TestPlatform } from '../../support/platform';

const CONFIG = '/api/v1/territories/current/config/notifications';
const PREVIEW = '/api/v1/territories/current/notifications/preview';

describe('the notifications configuration document', () => {
  let test: TestPlatform;
  let admin: string;
  let basic: string;
  let defaults: any;

  beforeAll(async () => {
    test = await TestPlatform.start();
    admin = await test.signIn('territoire@demo.test');
    basic = await test.signIn('agent.etatcivil@demo.test');
    defaults = (await test.call('get', CONFIG, { token: admin })).body.document;
  });
  afterAll(() => test.stop());

  /** The defaults with `change` applied to a copy. */
  function documentWith(change: (document: any) => void): any {
    const document = structuredClone(defaults);
    change(document);
    return document;
  }

  async function put(document: unknown) {
    return test.call('put', CONFIG, { token: admin, body: document });
  }

  async function versionInForce(): Promise<number> {
    return (await test.call('get', CONFIG, { token: admin })).body.version;
  }

  it('starts from channels per event, reminders 48 hours before, SMS without the motif and a logging provider', () => {
    expect(defaults.events.rdv_created.channels).toEqual(['email', 'sms']);
    expect(defaults.events.rdv_noshow.channels).toEqual([]);
    expect(defaults.reminder).toEqual({ hours_before: 48, working_days_only: true });
    expect(defaults.sms).toMatchObject({ max_segments: 5, include_motif: false, provider: { kind: 'logging' } });
  });

  it('stores a territory text and a motif override, and the preview renders the one in force', async () => {
    const [motif] = await test.sql(`SELECT id FROM motifs WHERE name LIKE 'Carte d''identité%'`);
    const saved = await put(documentWith((document) => {
      document.events.rdv_noshow.channels = ['email'];
      document.templates = { rdv_created: { sms: { text: 'RDV le {{rdv.date_time}} : {{rdv.manage_url}}' } } };
      document.motif_overrides = {
        [motif.id]: { templates: { rdv_created: { sms: { text: 'RDV titres le {{rdv.date_time}}. Apportez vos pièces. {{rdv.manage_url}}' } } } },
      };
    }));
    expect(saved.status).toBe(200);

    const territoryText = await test.call('post', PREVIEW, { token: admin, body: { event: 'rdv_created', channel: 'sms' } });
    expect(territoryText.status).toBe(200);
    expect(territoryText.body.text).toBe('RDV le lundi 7 décembre 2026 à 09h00 : https://rdv.example.fr/r/k3J9xQ2mVb7LpT4wZs8NcY');
    const motifText = await test.call('post', PREVIEW, { token: admin, body: { event: 'rdv_created', channel: 'sms', motif_id: motif.id } });
    expect(motifText.body.text).toMatch(/^RDV titres le lundi 7 décembre 2026 à 09h00\. Apportez vos pièces\./);
    const defaultEmail = await test.call('post', PREVIEW, { token: admin, body: { event: 'rdv_reminder', channel: 'email' } });
    expect(defaultEmail.body.subject).toBe('Rappel : rendez-vous le lundi 7 décembre 2026 à 09h00');
    expect(defaultEmail.body.html).toContain('<p>Bonjour Camille Martin,</p>');
  });

  it.each([
    ['a syntax error', 'templates.rdv_created.email.html', '<p>{{#if lieu.name}}{{lieu.name}}</p>', /syntax error|the template ends/],
    ['an unknown merge field', 'templates.rdv_created.email.html', '<p>{{usager.password}}</p>', /unknown merge field "usager.password"/],
    ['an unknown helper', 'templates.rdv_created.email.html', '<p>{{lookup usager "first_name"}}</p>', /unknown helper "lookup"/],
    ['a partial', 'templates.rdv_created.email.html', '<p>{{> header}}</p>', /partials/],
    ['prototype access', 'templates.rdv_created.email.html', '<p>{{usager.constructor.name}}</p>', /unknown merge field/],
    ['raw HTML output', 'templates.rdv_created.email.html', '<p>{{{usager.first_name}}}</p>', /triple braces/],
  ])('refuses %s with its path, and the previous version stays in force', async (_name, path, html, message) => {
    const before = await versionInForce();
    const refused = await put(documentWith((document) => {
      document.templates = { rdv_created: { email: { ...DEFAULT_TEMPLATES.rdv_created.email, html } } };
    }));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
    expect(await versionInForce()).toBe(before);
  });

  it('refuses an SMS that can exceed the territory\'s segments, and the motif name in SMS unless allowed', async () => {
    const long = await put(documentWith((document) => {
      document.sms.max_segments = 2;
      document.templates = { rdv_cancelled_by_user: { sms: { text: '{{motif.instructions}}' } } };
      document.events = Object.fromEntries(Object.keys(document.events).map((event) => [event, { channels: ['email'] }]));
      document.events.rdv_cancelled_by_user.channels = ['sms'];
    }));
    expect(long.status).toBe(422);
    expect(long.body.errors).toEqual([
      { path: 'templates.rdv_cancelled_by_user.sms.text', message: expect.stringMatching(/can take \d+ segments .* allows 2/) },
    ]);

    const withMotif = documentWith((document) => {
      document.templates = { rdv_created: { sms: { text: 'RDV {{motif.name}} le {{rdv.date_time}}' } } };
    });
    const refused = await put(withMotif);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ path: 'templates.rdv_created.sms.text', message: expect.stringMatching(/motif.name/) });
    withMotif.sms.include_motif = true;
    expect((await put(withMotif)).status).toBe(200);
  });

  it('checks the default SMS too when the territory\'s limit is below them', async () => {
    const refused = await put(documentWith((document) => {
      document.sms.max_segments = 1;
    }));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toContainEqual({ path: 'sms.max_segments', message: expect.stringMatching(/default SMS for rdv_created/) });
    // Without SMS for those events, the limit is the territory's business.
    const emailOnly = await put(documentWith((document) => {
      document.sms.max_segments = 1;
      for (const event of Object.keys(document.events)) document.events[event].channels = ['email'];
    }));
    expect(emailOnly.status).toBe(200);
  });

  it('stores the SMS provider token sealed, keeps it when the sealed form is sent back, and refuses an altered one', async () => {
    const provider = { kind: 'http', url: 'https://sms.example.fr/send', token: 'tok-3f9a-very-secret', body: { to: '{{to}}', message: '{{text}}' } };
    const saved = await put(documentWith((document) => {
      document.sms.provider = provider;
    }));
    expect(saved.status).toBe(200);
    const stored = saved.body.document.sms.provider.token;
    expect(stored).toEqual({ sealed: expect.stringMatching(/^v1\./) });
    expect(JSON.stringify(saved.body)).not.toContain('tok-3f9a-very-secret');
    const [row] = await test.sql(`SELECT document::text AS text FROM territory_configs WHERE key = 'notifications' ORDER BY version DESC LIMIT 1`);
    expect(row.text).not.toContain('tok-3f9a-very-secret');

    const resent = await put(documentWith((document) => {
      document.sms.provider = { ...provider, token: stored };
    }));
    expect(resent.status).toBe(200);
    expect(resent.body.document.sms.provider.token).toEqual(stored);

    const altered = { sealed: `${stored.sealed.slice(0, -4)}AAAA` };
    const refused = await put(documentWith((document) => {
      document.sms.provider = { ...provider, token: altered };
    }));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: 'sms.provider.token', message: expect.stringMatching(/cannot be opened/) }]);

    const badBody = await put(documentWith((document) => {
      document.sms.provider = { ...provider, body: { to: '{{to}}' } };
    }));
    expect(badBody.status).toBe(422);
    expect(badBody.body.errors).toEqual([{ path: 'sms.provider.body', message: 'must contain {{text}}' }]);
  });

  it('is written by territorial admins only', async () => {
    expect((await test.call('put', CONFIG, { token: basic, body: defaults })).status).toBe(403);
    expect((await test.call('post', PREVIEW, { token: basic, body: { event: 'rdv_created', channel: 'email' } })).status).toBe(403);
  });
});

describe('previews and the merge field catalogue', () => {
  let test: TestPlatform;
  let admin: string;
  let basic: string;

  beforeAll(async () => {
    test = await TestPlatform.start();
    admin = await test.signIn('territoire@demo.test');
    basic = await test.signIn('agent.etatcivil@demo.test');
  });
  afterAll(() => test.stop());

  it('renders an SMS with its segments and its worst case', async () => {
    const preview = await test.call('post', PREVIEW, {
      token: admin,
      body: { event: 'rdv_reminder', channel: 'sms', template: { text: 'Rappel : RDV le {{rdv.date_time}} avec {{agents.names}}' } },
    });
    expect(preview.status).toBe(200);
    const text = 'Rappel : RDV le lundi 7 décembre 2026 à 09h00 avec Marie Dupont';
    // At their longest, the two fields may hold characters GSM-7 lacks: UCS-2, 67 units per segment.
    const longest = 'Rappel : RDV le  avec '.length + findMergeField('rdv.date_time')!.maxLength + findMergeField('agents.names')!.maxLength;
    expect(preview.body).toEqual({
      event: 'rdv_reminder',
      channel: 'sms',
      text,
      encoding: 'GSM-7',
      units: text.length,
      segments: 1,
      worst_case: { encoding: 'UCS-2', units: longest, segments: Math.ceil(longest / 66), max_segments: 5 },
    });
  });

  it('refuses a broken template with its path under template', async () => {
    const preview = await test.call('post', PREVIEW, {
      token: admin,
      body: { event: 'rdv_created', channel: 'email', template: { subject: 'RDV', text: '{{#each agents}}x{{/each}}', html: '<p>ok</p>' } },
    });
    expect(preview.status).toBe(422);
    expect(preview.body.errors).toEqual([{ path: 'template.text', message: expect.stringMatching(/block "\{\{#each\}\}" is not allowed/) }]);
  });

  it('refuses an unknown event', async () => {
    const preview = await test.call('post', PREVIEW, { token: admin, body: { event: 'rdv_exploded', channel: 'email' } });
    expect(preview.status).toBe(422);
    expect(preview.body.errors[0].path).toBe('event');
  });

  it('lists the merge fields with a sample, their SMS length and whether SMS leave them out', async () => {
    const fields = await test.call('get', '/api/v1/notifications/merge_fields', { token: basic });
    expect(fields.status).toBe(200);
    expect(fields.body.data).toContainEqual({
      name: 'usager.first_name', description: "Prénom de l'usager", sample: 'Camille', max_sms_length: 40, alphabet: 'unicode', left_out_of_sms: false,
    });
    expect(fields.body.data).toContainEqual(expect.objectContaining({ name: 'motif.name', left_out_of_sms: true }));
    expect(fields.body.data.map((field: { name: string }) => field.name)).toEqual(MERGE_FIELDS.map((field) => field.name));
  });

  it('serves the platform\'s default texts, where an admin starts writing their own', async () => {
    const response = await test.call('get', '/api/v1/notifications/default_templates', { token: basic });
    expect(response.status).toBe(200);
    expect(response.body.data.rdv_created.email.subject).toBe('Rendez-vous confirmé le {{rdv.date_time}}');
    expect(response.body.data).toEqual(JSON.parse(JSON.stringify(DEFAULT_TEMPLATES)));
  });

  it('emails a test of a text being written to the admin who asks, and to nobody else', async () => {
    const template = { subject: 'Votre RDV du {{rdv.date_time}}', text: 'Bonjour {{usager.first_name}}, à bientôt.', html: '<p>Bonjour {{usager.first_name}}, à bientôt.</p>' };
    const sent = await test.call('post', '/api/v1/territories/current/notifications/test', { token: admin, body: { event: 'rdv_created', channel: 'email', template } });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ sent_to: 't*********@demo.test' });
    const mailbox = (await test.call('get', '/dev/mailbox?format=json')).body.data as Array<{ to: { address: string }; subject: string; text: string }>;
    const testMail = mailbox.find((mail) => mail.subject.startsWith('[Test]'))!;
    expect(testMail).toMatchObject({ to: { address: 'territoire@demo.test' }, text: 'Bonjour Camille, à bientôt.' });
    expect(testMail.subject).toMatch(/^\[Test\] Votre RDV du .+ à \d{2}h\d{2}$/);

    expect((await test.call('post', '/api/v1/territories/current/notifications/test', { token: basic, body: { event: 'rdv_created', channel: 'email' } })).status).toBe(403);
    const sms = await test.call('post', '/api/v1/territories/current/notifications/test', { token: admin, body: { event: 'rdv_created', channel: 'sms' } });
    expect({ status: sms.status, errors: sms.body.errors }).toEqual({ status: 422, errors: [{ path: 'channel', message: 'a test is sent by email only' }] });
    const broken = await test.call('post', '/api/v1/territories/current/notifications/test', { token: admin, body: { event: 'rdv_created', channel: 'email', template: { ...template, text: '{{usager.password}}' } } });
    expect(broken.status).toBe(422);
    expect((await test.call('get', '/dev/mailbox?format=json')).body.data.filter((mail: { subject: string }) => mail.subject.startsWith('[Test]'))).toHaveLength(1);
  });
});
