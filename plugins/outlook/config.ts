import type { JsonSchema } from '../../platform/src/plugins/sdk';

/** Nothing to set per territory: the Azure application is the instance's, each agent connects their own calendar. */
export type OutlookConfig = Record<string, never>;

export const configSchema: JsonSchema = {
  type: 'object',
  description: 'Les agents connectent leur agenda Outlook dans « Mon compte » ; leurs rendez-vous y sont alors écrits.',
  properties: {},
  additionalProperties: false,
  default: {},
};
