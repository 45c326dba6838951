import type { PluginRoute } from '../../platform/src/plugins/sdk';
import { API_TOKEN_SECRET, AntsConfig } from './config';
import { meetingPointEntries } from './meeting-points';
import { retryFailedSyncs } from './sync';

/** The admin screen's routes, under `/api/v1/plugins/ants`, for territorial admins. */
export const adminRoutes: PluginRoute<AntsConfig>[] = [
  {
    method: 'put', path: '/api_token', status: 204,
    summary: "Store the territory's API coordination token (never shown again); rdvs whose sync was given up are tried again",
    body: {
      type: 'object',
      properties: { token: { type: 'string', minLength: 8, maxLength: 500, pattern: '^\\S+$' } },
      required: ['token'],
      additionalProperties: false,
    },
    async handle({ agent, body, ctx }) {
      await agent.requireTerritorialAdmin();
      await ctx.secrets.set(API_TOKEN_SECRET, body.token);
      await retryFailedSyncs(ctx);
      return undefined;
    },
  },
  {
    method: 'delete', path: '/api_token',
    summary: "Forget the territory's API coordination token: no more status checks nor declarations",
    async handle({ agent, ctx }) {
      await agent.requireTerritorialAdmin();
      await ctx.secrets.delete(API_TOKEN_SECRET);
      return undefined;
    },
  },
  {
    method: 'get', path: '/status',
    summary: 'Whether the API token (territory) and the hub token (instance) are set, and the base URL to give ANTS',
    async handle({ agent, ctx }) {
      await agent.requireTerritorialAdmin();
      return {
        api_token_set: (await ctx.secrets.get(API_TOKEN_SECRET)) !== null,
        hub_token_set: Boolean(ctx.instance.hubToken),
        hub_base_url: ctx.core.links.partnerRoutes(),
      };
    },
  },
  {
    method: 'get', path: '/meeting_points',
    summary: 'Open lieux of organisations where ANTS is on: the meeting point ANTS lists, or the reasons (French) it cannot',
    async handle({ agent, ctx }) {
      await agent.requireTerritorialAdmin();
      const entries = await meetingPointEntries(ctx);
      return { data: entries.map(({ point: _point, ...entry }) => entry) };
    },
  },
];
