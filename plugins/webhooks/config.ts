import type { JsonSchema } from '../../platform/src/plugins/sdk';

export interface WebhooksConfig {
  /** When not empty, endpoints may only target these hosts or their subdomains. */
  allowed_hosts: string[];
}

export const configSchema: JsonSchema = {
  type: 'object',
  properties: {
    allowed_hosts: {
      title: 'Allowed target hosts',
      description: 'When not empty, endpoints may only target these hosts (or their subdomains)',
      type: 'array',
      items: { type: 'string', format: 'hostname' },
      uniqueItems: true,
      maxItems: 50,
    },
  },
  required: ['allowed_hosts'],
  additionalProperties: false,
  default: { allowed_hosts: [] },
};

/** Why the territory's settings refuse this URL's host, or null. */
export function hostRefusal(config: WebhooksConfig, url: string): string | null {
  if (!config.allowed_hosts.length) return null;
  const host = new URL(url).hostname.toLowerCase();
  const allowed = config.allowed_hosts.some((entry) => host === entry.toLowerCase() || host.endsWith(`.${entry.toLowerCase()}`));
  return allowed ? null : `the host ${host} is not among the territory's allowed webhook hosts`;
}
