import type { PluginField } from '../../platform/src/plugins/sdk';
import { ANTS_CATEGORIES } from './config';

/** Where the number lives: the usager fiche's `custom_fields`. */
export const NUMBER_FIELD = 'ants_pre_demande_number';

/** 10 letters or digits; typed in any case, stored upper-cased (as ANTS prints it). */
const NUMBER_PATTERN = /^[A-Za-z0-9]{10}$/;

export function normalizeNumber(value: unknown): unknown {
  return typeof value === 'string' ? value.toUpperCase() : value;
}

/** The usager's number, upper-cased, or null when absent or not a well-formed number. */
export function numberOf(customFields: Record<string, unknown> | null | undefined): string | null {
  const value = customFields?.[NUMBER_FIELD];
  return typeof value === 'string' && NUMBER_PATTERN.test(value) ? value.toUpperCase() : null;
}

export function isNumber(value: string): boolean {
  return NUMBER_PATTERN.test(value);
}

export const numberField: PluginField = {
  form: 'user',
  name: NUMBER_FIELD,
  label: 'Numéro de pré-demande ANTS',
  description: 'Les 10 lettres et chiffres remis à la fin de la pré-demande en ligne (carte d’identité, passeport)',
  schema: { type: 'string', pattern: NUMBER_PATTERN.source },
  public: true,
  motifCategories: [...ANTS_CATEGORIES],
  normalize: normalizeNumber,
};
