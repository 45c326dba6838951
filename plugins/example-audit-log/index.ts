import { AppError, definePlugin } from '../../platform/src/plugins/sdk';

/** An example for plugin authors: log every change, and forward it to an archive if one is set. */
export interface AuditLogConfig {
  /** Models to keep; all when empty. */
  models: string[];
  /** Where each change is POSTed as JSON, with the stored token as a bearer. */
  archive_url?: string;
}

const TOKEN = 'archive_token';

export default definePlugin<AuditLogConfig>({
  name: 'example-audit-log',
  version: '1.0.0',
  description: 'Logs every change in the territory and forwards it to an archive URL',
  scope: 'territory',
  configSchema: {
    type: 'object',
    properties: {
      models: { title: 'Models to keep (all when empty)', type: 'array', items: { type: 'string', pattern: '^[a-z_]+$' }, uniqueItems: true },
      archive_url: { title: 'Archive URL', type: 'string', format: 'uri', pattern: '^https?://' },
    },
    required: ['models'],
    additionalProperties: false,
    default: { models: [] },
  },
  events: ['*'],

  async onEvent(event, ctx) {
    const { models, archive_url: archiveUrl } = ctx.config;
    if (models.length && !models.includes(event.model)) return;
    ctx.logger.info(`${event.model} ${event.event}`, { record_id: event.record_id, organisation_id: event.organisation_id });
    if (!archiveUrl) return;
    const token = await ctx.secrets.get(TOKEN);
    const response = await ctx.http.request(archiveUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      // The event id lets the archive drop a copy it already has: handlers may run twice.
      body: JSON.stringify({ id: event.id, model: event.model, event: event.event, record_id: event.record_id, at: event.occurred_at }),
      timeoutMs: 5_000,
    });
    // Thrown, the failure is logged, shown to admins, and retried by the platform.
    if (response.status >= 300) throw new Error(`The archive answered ${response.status}`);
  },

  routes: [
    {
      method: 'put', path: '/archive_token', status: 204,
      summary: "Store the archive's token, encrypted (territorial admins)",
      body: { type: 'object', properties: { token: { type: 'string', minLength: 16, maxLength: 500 } }, required: ['token'], additionalProperties: false },
      async handle({ agent, body, ctx }) {
        await agent.requireTerritorialAdmin();
        if (!ctx.config.archive_url) throw AppError.conflict('Set archive_url in the configuration first');
        await ctx.secrets.set(TOKEN, body.token);
        return undefined;
      },
    },
  ],
});
