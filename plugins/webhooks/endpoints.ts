import { AppError, JsonSchema, listBody, PluginRequest, PluginRoute, readPage } from '../../platform/src/plugins/sdk';
import { hostRefusal, WebhooksConfig } from './config';
import { queueDelivery, secretName, TestEventJob } from './deliveries';
import { SUBSCRIPTIONS, TEST_EVENT, TEST_MODEL } from './payload';

type Request = PluginRequest<WebhooksConfig>;

interface EndpointRow {
  id: string;
  organisation_id: string;
  target_url: string;
  subscriptions: string[];
  created_at: Date;
  updated_at: Date;
}

interface EndpointBody {
  target_url: string;
  secret: string;
  subscriptions: string[];
}

const ENDPOINT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    target_url: { type: 'string', format: 'uri', maxLength: 2000 },
    secret: { type: 'string', minLength: 16, maxLength: 200 },
    subscriptions: { type: 'array', items: { enum: [...SUBSCRIPTIONS] }, uniqueItems: true, minItems: 1 },
  },
  required: ['target_url', 'secret'],
  additionalProperties: false,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENDPOINT_COLUMNS = 'id, organisation_id, target_url, subscriptions, created_at, updated_at';

/** Stored encrypted, not hashed (requests are signed with it), and shown masked. */
function masked(secret: string | null): string | null {
  return secret && `${'*'.repeat(8)}${secret.slice(-4)}`;
}

async function endpointJson({ ctx }: Request, row: EndpointRow) {
  return { ...row, secret: masked(await ctx.secrets.get(secretName(row.id))) };
}

/** The endpoint, for an admin of its organisation (404 for anyone else). */
async function findEndpoint(request: Request): Promise<EndpointRow> {
  const { id } = request.params;
  const [row] = UUID.test(id)
    ? await request.ctx.db.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id])
    : [];
  if (!row) throw AppError.notFound('Webhook endpoint');
  await request.agent.requireOrganisationAdmin(row.organisation_id);
  return row;
}

/**
 * A target must be http(s), allowed by the territory's settings and, unless the instance
 * allows it, not private or loopback; checked again when sending (the name may move).
 */
async function checkTarget({ ctx }: Request, organisationId: string, url: string): Promise<void> {
  const { enabled, config } = await ctx.settingsFor(organisationId);
  if (!enabled) throw AppError.conflict('Webhooks are turned off for this organisation');
  const refusal = hostRefusal(config, url);
  if (refusal) throw AppError.invalidField('target_url', refusal);
  try {
    await ctx.http.checkTarget(url);
  } catch (error) {
    if (error instanceof AppError) throw AppError.invalidField('target_url', error.message);
    throw error;
  }
}

export const endpointRoutes: PluginRoute<WebhooksConfig>[] = [
  {
    method: 'get', path: '/organisations/:org/webhook_endpoints',
    summary: "The organisation's webhook endpoints (organisation admins); `?target_url=` filters",
    async handle(request) {
      const { params, query, ctx } = request;
      await request.agent.requireOrganisationAdmin(params.org);
      const page = readPage(query);
      const filter = query.target_url ? ' AND target_url = $2' : '';
      const parameters = query.target_url ? [params.org, query.target_url] : [params.org];
      const rows = await ctx.db.query<EndpointRow>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE organisation_id = $1${filter}
          ORDER BY created_at, id LIMIT ${page.per_page} OFFSET ${(page.page - 1) * page.per_page}`,
        parameters,
      );
      const [{ count }] = await ctx.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM webhook_endpoints WHERE organisation_id = $1${filter}`, parameters,
      );
      return listBody(await Promise.all(rows.map((row) => endpointJson(request, row))), page, count);
    },
  },
  {
    method: 'post', path: '/organisations/:org/webhook_endpoints', status: 201, body: ENDPOINT_SCHEMA,
    summary: 'Add a webhook endpoint: target URL, secret (16 characters or more), subscriptions',
    async handle(request) {
      const { params, ctx } = request;
      const body = request.body as EndpointBody;
      await request.agent.requireOrganisationAdmin(params.org);
      await checkTarget(request, params.org, body.target_url);
      const [row] = await ctx.db.query<EndpointRow>(
        `INSERT INTO webhook_endpoints (territory_id, organisation_id, target_url, subscriptions)
         VALUES ($1, $2, $3, $4) RETURNING ${ENDPOINT_COLUMNS}`,
        [ctx.territoryId, params.org, body.target_url, body.subscriptions ?? [...SUBSCRIPTIONS]],
      );
      await ctx.secrets.set(secretName(row.id), body.secret);
      return endpointJson(request, row);
    },
  },
  {
    method: 'patch', path: '/webhook_endpoints/:id', body: ENDPOINT_SCHEMA, partialBody: true,
    summary: 'Change a webhook endpoint (organisation admins)',
    async handle(request) {
      const { ctx } = request;
      const body = request.body as Partial<EndpointBody>;
      const endpoint = await findEndpoint(request);
      if (body.target_url !== undefined) await checkTarget(request, endpoint.organisation_id, body.target_url);
      const [row] = await ctx.db.query<EndpointRow>(
        `UPDATE webhook_endpoints SET target_url = $2, subscriptions = $3, updated_at = now() WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
        [endpoint.id, body.target_url ?? endpoint.target_url, body.subscriptions ?? endpoint.subscriptions],
      );
      if (body.secret !== undefined) await ctx.secrets.set(secretName(row.id), body.secret);
      return endpointJson(request, row);
    },
  },
  {
    method: 'delete', path: '/webhook_endpoints/:id',
    summary: 'Remove a webhook endpoint and its delivery log (organisation admins)',
    async handle(request) {
      const endpoint = await findEndpoint(request);
      await request.ctx.db.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
      await request.ctx.secrets.delete(secretName(endpoint.id));
      return undefined;
    },
  },
  {
    method: 'get', path: '/webhook_endpoints/:id/deliveries',
    summary: "An endpoint's deliveries, newest first: status, attempts, last error (`?status=pending|delivered|failed`)",
    async handle(request) {
      const { query, ctx } = request;
      const endpoint = await findEndpoint(request);
      if (query.status !== undefined && !['pending', 'delivered', 'failed'].includes(query.status)) {
        throw AppError.invalidField('status', 'must be one of: pending, delivered, failed');
      }
      const page = readPage(query);
      const filter = query.status ? ' AND status = $2' : '';
      const parameters = query.status ? [endpoint.id, query.status] : [endpoint.id];
      const rows = await ctx.db.query(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1${filter}
          ORDER BY webhook_deliveries.id DESC LIMIT ${page.per_page} OFFSET ${(page.page - 1) * page.per_page}`,
        parameters,
      );
      const [{ count }] = await ctx.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM webhook_deliveries WHERE endpoint_id = $1${filter}`, parameters,
      );
      return listBody(rows, page, count);
    },
  },
  {
    method: 'post', path: '/webhook_endpoints/:id/test', status: 202,
    summary: 'Send a test event (`webhook.test`), signed as the others and tried once: it joins the delivery log with the answer received (organisation admins)',
    async handle(request) {
      const { ctx } = request;
      const endpoint = await findEndpoint(request);
      if (!(await ctx.settingsFor(endpoint.organisation_id)).enabled) throw AppError.conflict('Webhooks are turned off for this organisation');
      const [{ id }] = await ctx.db.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('webhook_deliveries', 'id'))::text AS id`);
      const job: TestEventJob = { delivery_id: id, endpoint_id: endpoint.id, requested_at: ctx.now().getTime() };
      await ctx.queue.add('test-event', job, { jobId: id });
      return { id, model: TEST_MODEL, event: TEST_EVENT, record_id: endpoint.id, status: 'pending' };
    },
  },
  {
    method: 'post', path: '/webhook_endpoints/:id/deliveries/:delivery_id/redeliver', status: 202,
    summary: 'Send a delivery again, as a new round of attempts (organisation admins)',
    async handle(request) {
      const { params, ctx } = request;
      const endpoint = await findEndpoint(request);
      const [delivery] = /^\d{1,18}$/.test(params.delivery_id)
        ? await ctx.db.query<{ id: string; round: number; model: string }>(
          `UPDATE webhook_deliveries
              SET round = round + 1, status = 'pending', attempts = 0, last_status_code = NULL, last_error = NULL,
                  next_attempt_at = NULL, delivered_at = NULL, leased_until = NULL, updated_at = now()
            WHERE id = $1 AND endpoint_id = $2 RETURNING ${DELIVERY_COLUMNS}`,
          [params.delivery_id, endpoint.id],
        )
        : [];
      if (!delivery) throw AppError.notFound('Delivery');
      await queueDelivery(ctx, delivery);
      return delivery;
    },
  },
];

/** Ids as strings, on every engine (bigint comes back as a number from the embedded one). */
const DELIVERY_COLUMNS = `id::text AS id, event_id::text AS event_id, model, event, record_id, status, round, attempts, last_status_code, last_error,
  last_attempt_at, next_attempt_at, delivered_at, created_at`;
