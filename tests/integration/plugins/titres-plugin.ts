import { PLUGINS } from '../../../platform/src/plugins/registry';
import { definePlugin, FieldError } from '../../../platform/src/plugins/sdk';
import { ReceivedRequest, Receiver, ReceiverAnswer } from '../../support/receiver';
import type { TestPlatform } from '../../support/platform';

/**
 * A test-only plugin using both host capabilities: a pré-demande number on the usager
 * fiche (public, upper-cased), a note on the rdv fiche (agents only, trimmed), and a
 * booking check that asks a partner — a real HTTP server on 127.0.0.1 — about each number.
 */
export const NUMBER = 'titres_check_number';
export const NOTE = 'titres_check_note';
export const CHECK_TIMEOUT_MS = 400;
export const TIMEOUT_MESSAGE = 'Le service des pré-demandes ne répond pas : réessayez dans quelques minutes.';
export const REFUSED = 'Ce numéro de pré-demande a déjà servi';
export const ELSEWHERE = 'Ce numéro de pré-demande a déjà un rendez-vous ailleurs';
export const CONFIG_URL = '/api/v1/territories/current/config/plugins.titres-check';

export const titresPlugin = definePlugin<{ api_url: string }>({
  name: 'titres-check',
  version: '1.0.0',
  description: 'Test plugin: pré-demande numbers checked with a partner before booking',
  scope: 'organisation',
  configSchema: {
    type: 'object',
    properties: { api_url: { type: 'string', pattern: '^https?://' } },
    required: ['api_url'],
    additionalProperties: false,
    default: { api_url: 'http://127.0.0.1:9' },
  },
  fields: [
    {
      form: 'user', name: NUMBER, label: 'Numéro de pré-demande', description: '10 lettres ou chiffres',
      schema: { type: 'string', pattern: '^[A-Za-z0-9]{10}$' }, public: true, motifCategories: ['cni', 'cni_passport'],
      normalize: (value) => String(value).toUpperCase(),
    },
    { form: 'rdv', name: NOTE, label: 'Note du service des titres', schema: { type: 'string', maxLength: 100 }, public: false, normalize: (value) => String(value).trim() },
  ],
  checks: {
    timeoutMs: CHECK_TIMEOUT_MS,
    timeoutMessage: TIMEOUT_MESSAGE,
    async booking(check, ctx) {
      const usagers = check.usagers.map((usager) => ({
        path: usager.path.endsWith('custom_fields') ? `${usager.path}.${NUMBER}` : usager.path,
        number: (usager.custom_fields[NUMBER] as string | undefined) ?? null,
      }));
      const response = await ctx.http.request(`${ctx.config.api_url}/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          changes: check.changes, channel: check.channel, rdv_id: check.rdvId, motif_category: check.motif.category,
          lieu: check.lieu?.name ?? null, starts_at: check.starts_at, note: check.custom_fields[NOTE] ?? null, numbers: usagers.map((u) => u.number),
        }),
      });
      if (response.status !== 200) throw new Error(`the partner answered ${response.status}`);
      const verdicts = (JSON.parse(response.body) as { verdicts: string[] }).verdicts;
      const at = (verdict: string, message: string): FieldError[] =>
        usagers.filter((_, index) => verdicts[index] === verdict).map(({ path }) => ({ path, message }));
      return { errors: at('refused', REFUSED), warnings: at('elsewhere', ELSEWHERE) };
    },
  },
});

/** The partner's verdict by number: REFUSE… refused, WARN… elsewhere, SLOW… answers after 2 s, BROKEN… a 500. */
function partnerAnswer(request: ReceivedRequest): ReceiverAnswer {
  const numbers: (string | null)[] = JSON.parse(request.body).numbers;
  if (numbers.some((number) => number?.startsWith('BROKEN'))) return { status: 500 };
  const verdicts = numbers.map((number) => (number?.startsWith('REFUSE') ? 'refused' : number?.startsWith('WARN') ? 'elsewhere' : 'ok'));
  const slow = numbers.some((number) => number?.startsWith('SLOW'));
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ verdicts }), delayMs: slow ? 2_000 : 0 };
}

/** The partner, started; the platform runs the registry's plugins and this one. */
export async function installTitresPlugin(test: TestPlatform): Promise<Receiver> {
  test.platform.plugins = [...PLUGINS, titresPlugin];
  const partner = await Receiver.start();
  partner.answer = partnerAnswer;
  return partner;
}

/** What the partner was asked, oldest first. */
export function partnerChecks(partner: Receiver): { changes: string[]; channel: string; rdv_id: string | null; numbers: (string | null)[]; note: string | null }[] {
  return partner.json('/check');
}
