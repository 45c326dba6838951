import type { Platform } from '../platform';
import type { EffectiveForm, FicheValues, ValidateOptions } from './effective-form';
import { loadForm } from './forms';

/** The keys of an rdv body that the territory's rdv_fields configuration governs (schemas/api/rdv.fiche.json). */
export const RDV_FICHE_KEYS = ['context', 'custom_fields'] as const;

/**
 * Validates the fiche part of an rdv body — `context` and `custom_fields` — against
 * the territory's effective rdv form, the one GET /api/v1/forms/rdv serves: a
 * hidden Contexte, an unknown or ill-typed custom field, a missing required one
 * (not with `partial`) are refused with AppError(invalid) and paths such as
 * `custom_fields.orientation`. The body's other keys are left to the rdv schema.
 * `audience: 'public'` is the public booking's form: public custom fields only,
 * never the context. Answers the form and the fiche part with plugin fields
 * normalized. Call it inside the tenant transaction; store values with
 * `mergeCustomFields` and answer rdvs through `form.visible(rdv)`, which hides
 * what the configuration hides without deleting it.
 */
export async function validateRdvFields(
  platform: Platform, rdvBody: Record<string, unknown>, options: ValidateOptions = {},
): Promise<{ form: EffectiveForm; fiche: { context?: string | null; custom_fields?: Record<string, unknown> } }> {
  const form = await loadForm(platform, 'rdv');
  const given: FicheValues = {};
  for (const key of RDV_FICHE_KEYS) if (rdvBody[key] !== undefined) given[key] = rdvBody[key];
  return { form, fiche: form.validate(given, options) };
}
