import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fr } from '../../../admin-ui/src/i18n/fr';
import { fieldsOf, messagesByPath } from '../../../admin-ui/src/shared/forms/fields';
import { JsonSchema, SchemaRegistry } from '../../../admin-ui/src/shared/forms/schemas';
import { schemaErrorMessage, Translator } from '../../../admin-ui/src/shared/validation';
import { customFieldSchema, CustomField } from '../../../platform/src/forms/custom-fields';
import { createAjv, fieldErrorPath } from '../../../platform/src/http/ajv';

/*
 * The UIs check forms with an interpreting validator (no eval, for a CSP without
 * 'unsafe-eval'); the server with Ajv. A user must read the same French message at the
 * same field either way: both verdicts are compared here, on the platform's own schemas
 * and on a territory's fiche with custom fields.
 */

function schemaFiles(folder: string): JsonSchema[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return schemaFiles(path);
    return entry.name.endsWith('.json') ? [JSON.parse(readFileSync(path, 'utf8')) as JsonSchema] : [];
  });
}

const files = schemaFiles(join(__dirname, '../../../schemas')).filter((file) => typeof file.$id === 'string');
const registry = new SchemaRegistry(files);
const ajv = createAjv();
for (const file of files) ajv.addSchema(file);

/** The admin UI's French messages, as vue-i18n says them (`{limit}` replaced). */
const french: Translator = {
  te: (key) => key.split('.').reduce<any>((node, part) => node?.[part], fr) !== undefined,
  t: (key, values = {}) => String(key.split('.').reduce<any>((node, part) => node?.[part], fr))
    .replace(/\{(\w+)\}/g, (_, name: string) => String(values[name]))
    .replace(/\{'(.)'\}/g, '$1'),
};

/** What the browser shows: a message per field. */
function inBrowser(schema: string | JsonSchema, value: unknown): Record<string, string> {
  return messagesByPath(registry.validate(schema, value), (error) => schemaErrorMessage(error, french));
}

let compiled = 0;
/** What the server's Ajv says, in the same words: a message per field (the first one for each). */
function onServer(schema: string | JsonSchema, value: unknown): Record<string, string> {
  const validate = typeof schema === 'string' ? ajv.getSchema(schema)! : ajv.compile({ ...schema, $id: `api/server-form-${compiled++}.json` });
  const messages: Record<string, string> = {};
  if (validate(value)) return messages;
  for (const error of validate.errors ?? []) {
    const path = fieldErrorPath(error);
    if (path !== undefined && !(path in messages)) messages[path] = schemaErrorMessage({ keyword: error.keyword, params: error.params }, french);
  }
  return messages;
}

const tooLong = 'x'.repeat(300);

describe('a platform schema', () => {
  it.each([
    ['empty', {}],
    ['names too long, bad emails, an unknown field', { first_name: tooLong, last_name: 'Dupont', email: 'a@b', nickname: 'Jo' }],
    ['blank name, wrong types, a bad date', { first_name: '   ', last_name: '', birth_date: '2026-13-45', notify_by_email: 'oui', address: 12 }],
    ['a nullable name too long', { first_name: 'Ana', last_name: 'Lima', birth_name: tooLong, phone_number: 'abc' }],
    ['a day February lacks, an email without its @', { first_name: 'Ana', last_name: 'Lima', birth_date: '2026-02-30', email: 'pas-une-adresse' }],
  ])('api/user.json, %s: same messages at the same fields as the server', (_, value) => {
    const messages = inBrowser('api/user.json', value);
    expect(Object.keys(messages).length).toBeGreaterThan(0);
    expect(messages).toEqual(onServer('api/user.json', value));
  });

  it('says the limit read from the schema where the rule broke, across $refs and nullable branches', () => {
    const messages = inBrowser('api/user.json', { first_name: tooLong, last_name: 'Lima', birth_name: tooLong, email: 'a@b', nickname: 'Jo' });
    expect(messages).toMatchObject({
      first_name: expect.stringMatching(/^Au plus \d+ caractères\.$/),
      birth_name: expect.stringMatching(/^Au plus \d+ caractères\.$/),
      email: 'Saisissez une adresse e-mail valide (exemple : nom@domaine.fr).',
      nickname: 'Ce champ n’est pas attendu.',
    });
    expect(messages.first_name).toBe(onServer('api/user.json', { first_name: tooLong, last_name: 'Lima' }).first_name);
  });

  it('checks a part of a file (the prescripteur of an online booking) like the server', () => {
    const part = 'api/public.rdv.json#/properties/prescripteur';
    for (const value of [{}, { first_name: 'Léa', last_name: tooLong, email: 'x', phone_number: '12' }]) {
      const messages = inBrowser(part, value);
      expect(Object.keys(messages).length).toBeGreaterThan(0);
      expect(messages).toEqual(onServer(part, value));
    }
    expect(inBrowser(part, { first_name: 'Léa', last_name: 'Roy', email: 'lea.roy@example.fr' })).toEqual({});
  });

  it('finds the same verdict on a motif and on the notifications settings', () => {
    const cases: [string, unknown][] = [
      ['api/motif.json', { name: '', duration_in_min: 'long', color: 12, location_type: 'ailleurs' }],
      ['api/motif.json', { name: 'Passeport', duration_in_min: 0, min_public_booking_delay: -3 }],
      ['config/notifications.json', { unknown: true }],
    ];
    for (const [id, value] of cases) {
      expect(registry.has(id)).toBe(true);
      const messages = inBrowser(id, value);
      expect(Object.keys(messages).length).toBeGreaterThan(0);
      expect(messages).toEqual(onServer(id, value));
    }
  });
});

describe("a territory's fiche", () => {
  // As GET /api/v1/forms/user gives it: the standard fields (one hidden), then the custom ones.
  const custom: CustomField[] = [
    { name: 'nir', type: 'string', label: 'NIR', required: true, pattern: '^[12][0-9]{12}$' },
    { name: 'children', type: 'integer', label: 'Enfants', min: 0, max: 12 },
    { name: 'situation', type: 'enum', label: 'Situation', options: ['Salarié', 'Retraité'] },
    { name: 'notes', type: 'text', label: 'Notes' },
    { name: 'arrival', type: 'date', label: 'Arrivée' },
  ];
  const user = registry.get('api/user.json');
  const standard = Object.keys(user.properties).filter((name) => name !== 'custom_fields' && name !== 'address');
  const schema: JsonSchema = {
    $id: user.$id,
    type: 'object',
    properties: {
      ...Object.fromEntries(standard.map((name) => [name, user.properties[name]])),
      custom_fields: { type: 'object', properties: Object.fromEntries(custom.map((field) => [field.name, customFieldSchema(field)])), required: ['nir'], additionalProperties: false },
    },
    required: ['first_name', 'last_name', 'custom_fields'],
    additionalProperties: false,
  };
  const uischema: JsonSchema = {
    type: 'VerticalLayout',
    elements: [
      ...standard.map((name) => ({ type: 'Control', scope: `#/properties/${name}`, label: user.properties[name].title })),
      ...custom.map((field) => ({ type: 'Control', scope: `#/properties/custom_fields/properties/${field.name}`, label: field.label, ...(field.type === 'text' ? { options: { multi: true } } : {}) })),
    ],
  };

  it.each([
    ['empty', {}],
    ['custom fields broken', { first_name: 'Ana', last_name: 'Lima', custom_fields: { nir: '3', children: 40, situation: 'Autre', arrival: 'hier', notes: 'x'.repeat(10_001) } }],
    ['a hidden field and wrong types', { first_name: 'Ana', last_name: 'Lima', address: '1 rue', custom_fields: { nir: 1234, children: 1.5 } }],
  ])('%s: same messages at the same fields as the server', (_, value) => {
    const messages = inBrowser(schema, value);
    expect(Object.keys(messages).length).toBeGreaterThan(0);
    expect(messages).toEqual(onServer(schema, value));
  });

  it('lists its fields in the UI schema order, with their kinds, marks and limits', () => {
    const fields = fieldsOf(registry, schema, uischema);
    expect(fields.map((field) => field.path)).toEqual([
      'first_name', 'last_name', 'birth_name', 'email', 'phone_number', 'birth_date', 'notify_by_email', 'notify_by_sms',
      'custom_fields.nir', 'custom_fields.children', 'custom_fields.situation', 'custom_fields.notes', 'custom_fields.arrival',
    ]);
    const byPath = Object.fromEntries(fields.map((field) => [field.path, field]));
    expect(byPath.first_name).toMatchObject({ label: 'Prénom', required: true, kind: 'text', autocomplete: 'given-name' });
    expect(byPath.email).toMatchObject({ required: false, kind: 'email' });
    expect(byPath.phone_number.kind).toBe('tel');
    expect(byPath.birth_date.kind).toBe('date');
    expect(byPath.notify_by_email.kind).toBe('boolean');
    expect(byPath['custom_fields.nir']).toMatchObject({ label: 'NIR', required: true, kind: 'text' });
    expect(byPath['custom_fields.children'].kind).toBe('integer');
    expect(byPath['custom_fields.situation']).toMatchObject({ kind: 'choice', choices: [{ title: 'Salarié', value: 'Salarié' }, { title: 'Retraité', value: 'Retraité' }] });
    expect(byPath['custom_fields.notes'].kind).toBe('textarea');
  });
});
