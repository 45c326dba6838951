import { Reply, route, type ApiRequest } from '../http/route';
import { territoryTimeZone } from '../agenda/definitions';
import { readRdvFilters } from '../booking/rdv-filters';
import { AppError } from '../errors';
import { listBody, readPage } from '../http/pagination';
import { requireOrganisationAdmin } from '../organisations/policy';
import { requireTerritorialAdmin } from '../territories/policy';
import { EXPORT_JOB, type ExportJobPayload } from './build';
import { exportJobOptions } from './housekeeping';
import { chunkStream, exportFileName, exportJson, ExportKind, insertExport, ownExport, ownExports } from './store';

interface ExportBody {
  kind: ExportKind;
  filters?: Record<string, string>;
}

/** Records the request (its filters checked as the list checks them) and queues its building. */
async function requestExport({ actor, body, platform }: ApiRequest<'agent', ExportBody>, organisationId: string | null) {
  const filters = body.filters ?? {};
  readRdvFilters(filters, await territoryTimeZone());
  const row = await insertExport({ organisation_id: organisationId, agent_id: actor.agentId, kind: body.kind, filters }, platform.clock.now());
  // Queued before this transaction commits: the job, a little later, retries while the row is not there
  // yet, and the periodic sweep (housekeeping.ts) queues any request left pending.
  const payload: ExportJobPayload = { territoryId: actor.territoryId, exportId: row.id };
  await platform.queue?.add(EXPORT_JOB, payload, { ...exportJobOptions(row.id), delay: 200 });
  return new Reply(202, { id: row.id, status: row.status }, { location: `/api/v1/exports/${row.id}` });
}

export const exportRoutes = [
  route({
    method: 'post', path: '/api/v1/organisations/:org/exports', tag: 'exports', access: 'agent', status: 202,
    body: 'api/export.create.json',
    summary: "Export the organisation's rdvs or participations as .xlsx with the list's filters (organisation admins); built in the background: 202 {id, status}",
    async handle(request) {
      requireOrganisationAdmin(request.actor, request.params.org);
      return requestExport(request as ApiRequest<'agent', ExportBody>, request.params.org);
    },
  }),
  route({
    method: 'post', path: '/api/v1/territories/current/exports', tag: 'exports', access: 'agent', status: 202,
    body: 'api/export.create.json',
    summary: "Export the territory's rdvs or participations, every organisation's (territorial admins)",
    async handle(request) {
      requireTerritorialAdmin(request.actor);
      return requestExport(request as ApiRequest<'agent', ExportBody>, null);
    },
  }),
  route({
    method: 'get', path: '/api/v1/exports', tag: 'exports', access: 'agent',
    summary: '« Vos exports »: the exports the agent asked for and still kept, newest first, with their progress',
    async handle({ actor, query, platform }) {
      const page = readPage(query);
      const [rows, total] = await ownExports(actor.agentId, platform.clock.now(), page);
      return listBody(rows.map((row) => exportJson(platform, row)), page, total);
    },
  }),
  route({
    method: 'get', path: '/api/v1/exports/:id', tag: 'exports', access: 'agent',
    summary: 'One export: {status, progress, download_url} (only to the agent who asked for it; 404 to anyone else)',
    async handle({ actor, params, platform }) {
      return exportJson(platform, await ownExport(actor.agentId, params.id, platform.clock.now()));
    },
  }),
  route({
    method: 'get', path: '/api/v1/exports/:id/download', tag: 'exports', access: 'agent',
    summary: 'The export\'s .xlsx, streamed (only to the agent who asked for it; 409 until it is ready)',
    async handle({ actor, params, platform }) {
      const row = await ownExport(actor.agentId, params.id, platform.clock.now());
      if (row.status !== 'ready') throw AppError.conflict('The export is not ready yet', [{ path: 'status', message: `is ${row.status}` }]);
      return new Reply(200, chunkStream(platform, actor.territoryId, row.id), {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'content-disposition': `attachment; filename="${exportFileName(row)}"`,
        'content-length': String(row.byte_size),
        'cache-control': 'no-store',
      });
    },
  }),
];
