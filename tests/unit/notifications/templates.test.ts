import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import { AppError } from '../../../platform/src/errors';
import { DEFAULT_TEMPLATES, defaultTemplate } from '../../../platform/src/notifications/default-templates';
import { MERGE_FIELDS, SAMPLE_FACTS, describeMergeFields, type RdvNotificationFacts } from '../../../platform/src/notifications/merge-fields';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_EVENTS,
  buildMergeContext,
  previewTemplate,
  renderEmail,
  renderSms,
  validateTemplate,
  type EmailTemplate,
  type NotificationSettings,
} from '../../../platform/src/notifications/templates';

const PATH = 'templates.rdv_created.email';

function emailWith(part: Partial<EmailTemplate>): EmailTemplate {
  return { subject: 'RDV {{rdv.date}}', text: 'Bonjour {{usager.first_name}}', html: '<p>{{usager.first_name}}</p>', ...part };
}

/** The AppError a call throws (fails the test when it does not throw one). */
function refusal(call: () => unknown): AppError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

function facts(overrides: Partial<RdvNotificationFacts>): RdvNotificationFacts {
  return { ...SAMPLE_FACTS, ...overrides };
}

describe("the motif's option as a merge field", () => {
  it('writes the option chosen at booking, nothing when the motif has none, and keeps it out of SMS unless allowed', () => {
    const template = emailWith({ subject: 'RDV {{motif.option}}', text: 'Option : {{motif.option}}.' });
    expect(renderEmail(template, facts({ motifOption: 'Passeport' }))).toMatchObject({ subject: 'RDV Passeport', text: 'Option : Passeport.' });
    expect(renderEmail(template, facts({ motifOption: null })).text).toBe('Option : .');
    expect(MERGE_FIELDS.find((field) => field.name === 'motif.option')).toMatchObject({ privateInSms: true, sample: 'Passeport' });
  });
});

describe('default templates', () => {
  const settingsVariants: Array<[string, NotificationSettings]> = [
    ['default settings', DEFAULT_NOTIFICATION_SETTINGS],
    ['accents stripped', { ...DEFAULT_NOTIFICATION_SETTINGS, smsStripAccents: true }],
    ['motif allowed', { ...DEFAULT_NOTIFICATION_SETTINGS, smsIncludeMotif: true }],
  ];

  it.each(NOTIFICATION_EVENTS.flatMap((event) => NOTIFICATION_CHANNELS.map((channel) => [event, channel] as const)))(
    '%s / %s validates under every territory setting and renders',
    (event, channel) => {
      const template = defaultTemplate(event, channel);
      for (const [, settings] of settingsVariants) {
        expect(() => validateTemplate(template, channel, `templates.${event}.${channel}`, settings)).not.toThrow();
      }
      const rendered = previewTemplate(template, channel);
      const texts = Object.values(rendered).filter((value): value is string => typeof value === 'string');
      for (const text of texts) {
        expect(text).toContain('7 décembre 2026 à 09h00');
        expect(text).not.toMatch(/\{\{|\}\}/);
      }
    },
  );

  it('email parts: a one-line subject, a text part without markup, an HTML document', () => {
    for (const event of NOTIFICATION_EVENTS) {
      const email = previewTemplate(DEFAULT_TEMPLATES[event].email, 'email');
      expect(email.subject).not.toContain('\n');
      expect(email.text).toMatch(/^Bonjour Camille Martin,/);
      expect(email.text).not.toMatch(/<[a-z]/i);
      expect(email.html).toMatch(/^<!DOCTYPE html>/);
      expect(email.html).toContain('<p>Bonjour Camille Martin,</p>');
      expect(email.text).toContain('Mairie de Lyon 3e');
    }
  });

  it('say what happened: confirmation, change with the former date, cancellations, déprogrammation', () => {
    const text = (event: (typeof NOTIFICATION_EVENTS)[number]) => previewTemplate(DEFAULT_TEMPLATES[event].email, 'email').text;
    expect(text('rdv_created')).toContain('est confirmé');
    expect(text('rdv_updated')).toContain('Il était prévu le vendredi 4 décembre 2026 à 14h30');
    expect(text('rdv_cancelled_by_agent')).toContain('a été annulé par Mairie de Lyon 3e');
    expect(text('rdv_cancelled_by_user')).toContain("l'annulation de votre rendez-vous");
    expect(text('rdv_reminder')).toContain('Nous vous rappelons');
    expect(text('rdv_noshow')).toContain("n'étiez pas présent");
    expect(text('rdv_unscheduled')).toContain('modification du planning');
  });

  it('leave out the lines of values that are empty (no lieu, no phone, no instructions)', () => {
    const bare = facts({
      lieu: null,
      agentNames: [],
      motif: { name: 'Entretien téléphonique' },
      organisation: { name: 'CCAS de Lyon' },
    });
    const { text, html } = renderEmail(DEFAULT_TEMPLATES.rdv_created.email, bare);
    expect(text).not.toMatch(/Lieu :|Avec :|Informations à retenir/);
    expect(html).not.toMatch(/Lieu :|Avec :|Informations à retenir/);
    expect(text).not.toMatch(/\n{3,}/);
    expect(text).toMatch(/Pour toute question :\nCCAS de Lyon\n$/);
  });

  it('keep their static SMS text in GSM-7, so only values can make an SMS cost UCS-2 segments', () => {
    const plain = facts({
      usager: { firstName: 'Leo', lastName: 'Martin' },
      rdv: { ...SAMPLE_FACTS.rdv, startsAt: new Date('2026-12-07T08:00:00Z') },
      lieu: { name: 'Mairie annexe', address: '18 rue Garcin, 69003 Lyon' },
    });
    for (const event of NOTIFICATION_EVENTS) {
      expect(renderSms(DEFAULT_TEMPLATES[event].sms, plain).count.encoding).toBe('GSM-7');
    }
  });
});

describe('merge field catalogue', () => {
  it('is the list validation accepts and preview fills: every field, its sample', () => {
    const everyField = MERGE_FIELDS.map((field) => `{{${field.name}}}`).join('|');
    const template = emailWith({ text: everyField });
    expect(() => validateTemplate(template, 'email', PATH)).not.toThrow();
    expect(previewTemplate(template, 'email').text).toBe(MERGE_FIELDS.map((field) => field.sample).join('|'));
  });

  it('describes each field once, with a sample, for the docs', () => {
    const described = describeMergeFields();
    expect(new Set(described.map((field) => field.name)).size).toBe(described.length);
    for (const field of described) {
      expect(field.description.length).toBeGreaterThan(5);
      expect(field.sample).not.toBe('');
      expect(field).not.toHaveProperty('value');
    }
  });

  it('writes dates and times in the territory zone, in French', () => {
    const july = DateTime.fromISO('2026-07-06T09:00', { zone: 'Europe/Paris' }).toJSDate();
    const paris = buildMergeContext(facts({ rdv: { ...SAMPLE_FACTS.rdv, startsAt: july, durationInMin: 90 } }), 'email');
    expect(paris.rdv).toMatchObject({ date_time: 'lundi 6 juillet 2026 à 09h00', time: '09h00', duration: '1 h 30' });
    const cayenne = buildMergeContext(facts({ timezone: 'America/Cayenne', rdv: { ...SAMPLE_FACTS.rdv, startsAt: july } }), 'email');
    expect(cayenne.rdv).toMatchObject({ date_time: 'lundi 6 juillet 2026 à 04h00' });
    const first = DateTime.fromISO('2026-09-01T14:15', { zone: 'Europe/Paris' }).toJSDate();
    const firstOfMonth = buildMergeContext(facts({ rdv: { ...SAMPLE_FACTS.rdv, startsAt: first, previousStartsAt: null } }), 'email');
    expect(firstOfMonth.rdv).toMatchObject({ date: 'mardi 1er septembre 2026', previous_date_time: '' });
  });

  it('declares date lengths that no day of the year exceeds (they bound the SMS worst case)', () => {
    const dateTime = MERGE_FIELDS.find((field) => field.name === 'rdv.date_time');
    const date = MERGE_FIELDS.find((field) => field.name === 'rdv.date');
    let day = DateTime.fromISO('2026-01-01T23:59', { zone: 'Europe/Paris' });
    for (let i = 0; i < 366; i++, day = day.plus({ days: 1 })) {
      const context = buildMergeContext(facts({ rdv: { ...SAMPLE_FACTS.rdv, startsAt: day.toJSDate() } }), 'email');
      const rdv = context.rdv as Record<string, string>;
      expect(rdv.date_time.length).toBeLessThanOrEqual(dateTime!.maxLength);
      expect(rdv.date.length).toBeLessThanOrEqual(date!.maxLength);
    }
  });
});

describe('saving a template refuses', () => {
  function errorsOf(template: EmailTemplate): Array<{ path: string; message: string }> {
    const error = refusal(() => validateTemplate(template, 'email', PATH));
    expect(error.kind).toBe('invalid');
    expect(error.status).toBe(422);
    return error.errors;
  }

  it('an unknown merge field, on the part path, with line and column', () => {
    const errors = errorsOf(emailWith({ text: 'Bonjour,\nMerci {{usager.prenom}} !' }));
    expect(errors).toEqual([
      { path: `${PATH}.text`, message: 'line 2, column 9: unknown merge field "usager.prenom"' },
    ]);
  });

  it.each([
    ['{{lookup this "constructor"}}', 'unknown helper "lookup"'],
    ['{{upper usager.first_name}}', 'unknown helper "upper"'],
    ['{{usager.first_name format="long"}}', 'unknown helper "usager.first_name"'],
    ['{{log usager}}', 'unknown helper "log"'],
  ])('a helper: %s', (source, message) => {
    const [error] = errorsOf(emailWith({ html: `<p>${source}</p>` }));
    expect(error.path).toBe(`${PATH}.html`);
    expect(error.message).toContain(message);
  });

  it.each([
    ['{{#each agents}}{{this}}{{/each}}', 'block "{{#each}}" is not allowed'],
    ['{{#with usager}}{{first_name}}{{/with}}', 'block "{{#with}}" is not allowed'],
    ['{{#usager}}x{{/usager}}', 'block "{{#usager}}" is not allowed'],
    ['{{^lieu.name}}x{{/lieu.name}}', 'block "{{#lieu.name}}" is not allowed'],
    ['{{#if}}x{{/if}}', '{{#if}} takes exactly one merge field'],
    ['{{#if lieu.name rdv.date}}x{{/if}}', '{{#if}} takes exactly one merge field'],
    ['{{#if (lookup this "x")}}x{{/if}}', 'only merge fields may be used here'],
    ['{{#if lieu.nom}}x{{/if}}', 'unknown merge field "lieu.nom"'],
  ])('a block that is not a plain condition: %s', (source, message) => {
    const [error] = errorsOf(emailWith({ text: source }));
    expect(error.message).toContain(message);
  });

  it.each([
    ['{{> signature}}', 'partials ({{> ...}}) are not allowed'],
    ['{{#> layout}}x{{/layout}}', 'partials ({{> ...}}) are not allowed'],
    ['{{#*inline "x"}}y{{/inline}}', 'decorators and inline partials'],
  ])('a partial or decorator: %s', (source, message) => {
    const [error] = errorsOf(emailWith({ text: source }));
    expect(error.message).toContain(message);
  });

  it.each([
    '{{constructor.constructor}}',
    '{{__proto__}}',
    '{{usager.__proto__}}',
    '{{usager.constructor}}',
    '{{[constructor]}}',
    '{{this}}',
    '{{@root.usager.first_name}}',
    '{{../usager.first_name}}',
    '{{usager}}',
  ])('what reaches beyond the merge fields: %s', (source) => {
    const [error] = errorsOf(emailWith({ subject: source }));
    expect(error.path).toBe(`${PATH}.subject`);
    expect(error.message).toMatch(/unknown merge field/);
  });

  it.each([
    ['Bonjour {{usager.first_name', 1, 'column 18: syntax error near "first_name"'],
    ['Bonjour\n{{#if lieu.name}}{{lieu.name}}', 2, 'the template ends before an expression or block is closed'],
    ['{{#if lieu.name}}x{{/unless}}', 1, "syntax error: if doesn't match unless"],
    ['a {{usager.first_name}}}', 1, 'syntax error'],
  ])('a syntax error: %j', (source, line, message) => {
    const [error] = errorsOf(emailWith({ text: source }));
    expect(error.path).toBe(`${PATH}.text`);
    expect(error.message).toMatch(new RegExp(`^line ${line}, column \\d+: `));
    expect(error.message).toContain(message);
  });

  it('triple braces in HTML, which would let a value inject markup; allowed in the text part', () => {
    const [error] = errorsOf(emailWith({ html: '<p>{{{usager.first_name}}}</p>' }));
    expect(error.message).toContain('triple braces');
    expect(() => validateTemplate(emailWith({ text: '{{{usager.first_name}}}' }), 'email', PATH)).not.toThrow();
  });

  it('with every problem of every part listed', () => {
    const errors = errorsOf({ subject: '{{nope}}', text: '{{> p}}', html: '{{#each agents}}{{/each}} {{x}}' });
    expect(errors.map((error) => error.path)).toEqual([`${PATH}.subject`, `${PATH}.text`, `${PATH}.html`, `${PATH}.html`]);
  });

  it('a part that is not a text', () => {
    const error = refusal(() => validateTemplate({ subject: 'x', text: 'y' } as EmailTemplate, 'email', PATH));
    expect(error.errors).toEqual([{ path: `${PATH}.html`, message: 'must be a text' }]);
  });

  it('helpers registered on the global Handlebars, which the sandbox does not see', () => {
    Handlebars.registerHelper('shout', (value: string) => value.toUpperCase());
    try {
      const [error] = errorsOf(emailWith({ text: '{{shout usager.first_name}}' }));
      expect(error.message).toContain('unknown helper "shout"');
    } finally {
      Handlebars.unregisterHelper('shout');
    }
  });
});

describe('rendering', () => {
  const hostile = facts({ usager: { firstName: '<b>Léa</b> & "Co"', lastName: "O'Neil" } });

  it('escapes values in email HTML', () => {
    const { html } = renderEmail(emailWith({ html: '<p>{{usager.full_name}}</p>' }), hostile);
    expect(html).toBe('<p>&lt;b&gt;Léa&lt;/b&gt; &amp; &quot;Co&quot; O&#x27;Neil</p>');
  });

  it('does not escape the subject, the text part or SMS', () => {
    const email = renderEmail(emailWith({ subject: 'RDV de {{usager.full_name}}', text: '{{usager.full_name}}' }), hostile);
    expect(email.subject).toBe('RDV de <b>Léa</b> & "Co" O\'Neil');
    expect(email.text).toBe('<b>Léa</b> & "Co" O\'Neil');
    expect(renderSms({ text: '{{usager.full_name}}' }, hostile).text).toBe('<b>Léa</b> & "Co" O\'Neil');
  });

  it('keeps the subject on one line whatever the values', () => {
    const multiline = facts({ lieu: { name: 'Mairie', address: '1 place Bellecour\n69002 Lyon' } });
    expect(renderEmail(emailWith({ subject: 'RDV\n{{lieu.address}}' }), multiline).subject).toBe('RDV 1 place Bellecour 69002 Lyon');
  });

  it('refuses a stored template that breaks the rules instead of running it', () => {
    const error = refusal(() => renderEmail(emailWith({ text: '{{lookup this "constructor"}}' }), SAMPLE_FACTS));
    expect(error.kind).toBe('invalid');
    expect(error.errors[0].message).toContain('unknown helper "lookup"');
  });

  it('never reads prototypes, even through values', () => {
    const sneaky = facts({ usager: { firstName: '{{constructor.constructor}}', lastName: '__proto__' } });
    expect(renderEmail(emailWith({ text: '{{usager.full_name}}' }), sneaky).text).toBe('{{constructor.constructor}} __proto__');
  });

  it('branches on empty values with if / else / unless', () => {
    const template = { text: '{{#if lieu.name}}à {{lieu.name}}{{else}}par téléphone{{/if}}{{#unless organisation.phone}} (sans tél.){{/unless}}' };
    expect(renderSms(template, SAMPLE_FACTS).text).toBe('à Mairie annexe du 3e');
    expect(renderSms(template, facts({ lieu: null, organisation: { name: 'CCAS' } })).text).toBe('par téléphone (sans tél.)');
  });
});

describe('the motif in SMS', () => {
  const withMotif = { text: 'RDV {{motif.name}} le {{rdv.date_time}}' };
  const allowed = { ...DEFAULT_NOTIFICATION_SETTINGS, smsIncludeMotif: true };

  it('is refused at save time unless the territory allows it', () => {
    const error = refusal(() => validateTemplate(withMotif, 'sms', 'templates.rdv_created.sms'));
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0].path).toBe('templates.rdv_created.sms.text');
    expect(error.errors[0].message).toContain('"motif.name" is left out of SMS because it can reveal private matters');
    expect(error.errors[0].message).toContain('smsIncludeMotif');
    expect(() => validateTemplate({ text: '{{#if motif.name}}x{{/if}}' }, 'sms', 'p')).toThrow(AppError);
    expect(() => validateTemplate(withMotif, 'sms', 'templates.rdv_created.sms', allowed)).not.toThrow();
  });

  it('is left out of the SMS render context unless allowed, and stays in emails', () => {
    const motif = SAMPLE_FACTS.motif.name;
    expect(JSON.stringify(buildMergeContext(SAMPLE_FACTS, 'sms'))).not.toContain(motif);
    expect(JSON.stringify(buildMergeContext(SAMPLE_FACTS, 'sms', allowed))).toContain(motif);
    expect(JSON.stringify(buildMergeContext(SAMPLE_FACTS, 'email'))).toContain(motif);
  });

  it('does not appear even when a template saved while it was allowed is sent after the territory forbade it', () => {
    expect(renderSms(withMotif, SAMPLE_FACTS).text).toBe('RDV  le lundi 7 décembre 2026 à 09h00');
    expect(renderSms(withMotif, SAMPLE_FACTS, allowed).text).toContain(SAMPLE_FACTS.motif.name);
  });

  it('shows in the preview only when allowed', () => {
    expect(previewTemplate(withMotif, 'sms').text).not.toContain(SAMPLE_FACTS.motif.name);
    expect(previewTemplate(withMotif, 'sms', allowed).text).toContain(SAMPLE_FACTS.motif.name);
  });
});
