import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { AppError } from '../../../platform/src/errors';
import { validateRdvFields } from '../../../platform/src/forms/rdv-fiche';
import { demoIds, TestPlatform } from '../../support/platform';

const CONFIG = '/api/v1/territories/current/config';

const USER_FIELDS = {
  fields: [
    { name: 'nir', type: 'string', label: 'NIR', help: '13 chiffres', required: true, pattern: '^[0-9]{13}$' },
    { name: 'parcours', type: 'text', label: 'Parcours' },
    { name: 'enfants', type: 'integer', label: "Nombre d'enfants", min: 0, max: 20, public: true },
    { name: 'situation', type: 'enum', label: 'Situation', public: true, options: ['seul', { value: 'couple', label: 'En couple' }] },
    { name: 'tel_urgence', type: 'phone', label: "Téléphone d'urgence" },
  ],
  hidden_standard_fields: ['birth_name', 'address'],
};

/** What a UI does with the served schema: compile it alone, with a plain Ajv. */
function uiValidator(schema: object) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('effective forms', () => {
  let test: TestPlatform;
  let admin: string;
  let basic: string;
  let mairie: string;
  beforeAll(async () => {
    test = await TestPlatform.start();
    admin = await test.signIn('territoire@demo.test');
    basic = await test.signIn('agent.etatcivil@demo.test');
    mairie = (await demoIds(test)).mairie;
    expect((await test.call('put', `${CONFIG}/user_fields`, { token: admin, body: USER_FIELDS })).status).toBe(200);
  });
  afterAll(() => test.stop());

  it('serves the usager form: standard fields minus hidden ones, plus custom ones, with a JSON Forms UI schema', async () => {
    const form = await test.call('get', '/api/v1/forms/user', { token: basic });
    expect(form.status).toBe(200);
    const { schema, ui_schema: ui } = form.body;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties)).toEqual([
      'first_name', 'last_name', 'email', 'phone_number', 'birth_date', 'notify_by_email', 'notify_by_sms', 'custom_fields',
    ]);
    expect(schema.required).toEqual(['first_name', 'last_name', 'custom_fields']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.email).toMatchObject({ type: ['string', 'null'], format: 'email', title: 'Adresse e-mail' });
    expect(JSON.stringify(schema)).not.toContain('$ref');
    const custom = schema.properties.custom_fields;
    expect(custom.required).toEqual(['nir']);
    expect(custom.additionalProperties).toBe(false);
    expect(custom.properties.nir).toMatchObject({ type: 'string', title: 'NIR', description: '13 chiffres', pattern: '^[0-9]{13}$', minLength: 1 });
    expect(custom.properties.enfants).toMatchObject({ type: 'integer', minimum: 0, maximum: 20 });
    expect(custom.properties.situation.oneOf).toEqual([{ const: 'seul', title: 'seul' }, { const: 'couple', title: 'En couple' }]);

    expect(ui.type).toBe('VerticalLayout');
    expect(ui.elements[0]).toEqual({ type: 'Control', scope: '#/properties/first_name', label: 'Prénom' });
    expect(ui.elements.map((element: { scope: string }) => element.scope)).toContain('#/properties/custom_fields/properties/nir');
    expect(ui.elements.find((element: { label: string }) => element.label === 'Parcours')).toEqual({
      type: 'Control', scope: '#/properties/custom_fields/properties/parcours', label: 'Parcours', options: { multi: true },
    });
    expect(ui.elements.some((element: { scope: string }) => element.scope.endsWith('/address'))).toBe(false);
  });

  it('gives the public portal only the public custom fields', async () => {
    const form = await test.call('get', '/api/v1/forms/user?audience=public', { token: basic });
    expect(Object.keys(form.body.schema.properties.custom_fields.properties)).toEqual(['enfants', 'situation']);
    expect(form.body.schema.required).toEqual(['first_name', 'last_name']);
    expect(form.body.ui_schema.elements.map((element: { label: string }) => element.label)).toContain('Situation');
    expect((await test.call('get', '/api/v1/forms/user?audience=everyone', { token: basic })).status).toBe(400);
  });

  it('validates usager bodies with the same schema the UIs get', async () => {
    const { body: form } = await test.call('get', '/api/v1/forms/user', { token: basic });
    const ui = uiValidator(form.schema);
    const bodies = [
      { first_name: 'Ada', last_name: 'Lovelace', custom_fields: { nir: '1234567890123', situation: 'couple' } },
      { first_name: 'Ada', last_name: 'Lovelace', custom_fields: { nir: '123' } },
      { first_name: 'Ada', last_name: 'Lovelace', custom_fields: {} },
      { first_name: 'Ada', last_name: 'Lovelace', birth_name: 'Byron', custom_fields: { nir: '1234567890123' } },
      { first_name: 'Ada', last_name: 'Lovelace', custom_fields: { nir: '1234567890123', enfants: 21 } },
      { first_name: 'Ada', last_name: 'Lovelace', custom_fields: { nir: '1234567890123', situation: 'veuf' } },
      { first_name: 'Ada', last_name: 'Lovelace', custom_fields: { nir: '1234567890123', inconnu: 1 } },
    ];
    for (const body of bodies) {
      const response = await test.call('post', `/api/v1/organisations/${mairie}/users`, { token: basic, body });
      expect({ body, status: response.status }).toEqual({ body, status: ui(body) ? 201 : 422 });
    }
    const missing = await test.call('post', `/api/v1/organisations/${mairie}/users`, { token: basic, body: { first_name: 'Ada', last_name: 'Lovelace' } });
    expect(missing.body.errors).toEqual([{ path: 'custom_fields.nir', message: 'is required' }]);
    const hidden = await test.call('post', `/api/v1/organisations/${mairie}/users`, {
      token: basic, body: { first_name: 'Ada', last_name: 'Lovelace', address: '1 rue', custom_fields: { nir: '1234567890123' } },
    });
    expect(hidden.body.errors).toEqual([{ path: 'address', message: 'is not a known field' }]);
    const phone = await test.call('post', `/api/v1/organisations/${mairie}/users`, {
      token: basic, body: { first_name: 'Ada', last_name: 'Lovelace', phone_number: '01 02', custom_fields: { nir: '1234567890123', tel_urgence: '00 00 00 00 00' } },
    });
    expect(phone.body.errors).toEqual(expect.arrayContaining([
      { path: 'phone_number', message: expect.stringMatching(/pattern/) },
      { path: 'custom_fields.tel_urgence', message: 'is not a valid phone number' },
    ]));
  });

  it('serves the rdv form and validates rdv fiches through the exported function', async () => {
    const enabled = await test.call('get', '/api/v1/forms/rdv', { token: basic });
    expect(enabled.body.schema.properties.context).toMatchObject({ type: ['string', 'null'], title: 'Contexte' });
    expect(enabled.body.ui_schema.elements[0]).toEqual({ type: 'Control', scope: '#/properties/context', label: 'Contexte', options: { multi: true } });
    const publicForm = await test.call('get', '/api/v1/forms/rdv?audience=public', { token: basic });
    expect(publicForm.body.schema.properties.context).toBeUndefined();

    await test.call('put', `${CONFIG}/rdv_fields`, {
      token: admin,
      body: { context_enabled: false, fields: [{ name: 'orientation', type: 'enum', label: 'Orienté par', options: ['CAF', 'Mairie'], required: true }] },
    });
    const disabled = await test.call('get', '/api/v1/forms/rdv', { token: basic });
    expect(Object.keys(disabled.body.schema.properties)).toEqual(['custom_fields']);

    const [{ id: territoryId }] = await test.sql(`SELECT id FROM territories WHERE name LIKE 'Démo%'`);
    const validate = (body: Record<string, unknown>, options = {}) => test.db.tenant(territoryId, () => validateRdvFields(test.platform, body, options));
    const { form } = await validate({ motif_id: 'not checked here', custom_fields: { orientation: 'CAF' } });
    expect(form.version).toBe(disabled.body.version);
    const refusal = await validate({ context: 'Vient pour son fils', custom_fields: { orientation: 'Pôle emploi' } }).catch((error) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal.errors).toEqual(expect.arrayContaining([
      { path: 'context', message: 'is not a known field' },
      { path: 'custom_fields.orientation', message: 'is not one of the allowed values' },
    ]));
    await expect(validate({})).rejects.toMatchObject({ errors: [{ path: 'custom_fields.orientation', message: 'is required' }] });
    await expect(validate({}, { partial: true })).resolves.toBeDefined();
    await expect(validate({ custom_fields: { orientation: null } }, { partial: true })).rejects.toMatchObject({
      errors: [{ path: 'custom_fields.orientation', message: 'is required' }],
    });
  });
});
