import type { JsonSchema } from '../../platform/src/plugins/sdk';

export interface AntsConfig {
  /** The API coordination's base URL (integration or production), e.g. `https://api-coordination.rendezvouspasseport.ants.gouv.fr/api`. */
  api_url?: string;
  /** Check each pré-demande number's status with ANTS before booking. */
  check_numbers: boolean;
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    api_url: {
      title: "URL de l'API coordination de l'ANTS",
      description: "Adresse de base de l'API (intégration ou production), sans « / » final : …/status et …/appointments y sont ajoutés",
      type: 'string',
      format: 'uri',
      pattern: '^https?://',
      maxLength: 500,
    },
    check_numbers: {
      title: 'Vérifier les numéros de pré-demande auprès de l’ANTS',
      description: 'Avant chaque prise de rendez-vous, le statut de chaque numéro est demandé à l’ANTS (4 secondes au plus)',
      type: 'boolean',
      default: true,
    },
  },
  required: ['check_numbers'],
  additionalProperties: false,
  default: { check_numbers: true },
};

/** Motif categories that take a pré-demande number and are published to ANTS. */
export const ANTS_CATEGORIES = ['cni', 'passport', 'cni_passport'] as const;

export function isAntsCategory(category: string | null): boolean {
  return category !== null && (ANTS_CATEGORIES as readonly string[]).includes(category);
}

/** The secret holding the territory's API coordination token. */
export const API_TOKEN_SECRET = 'api_token';
