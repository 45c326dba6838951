import { EntityTarget, FindOptionsWhere, IsNull, ObjectLiteral } from 'typeorm';
import type { AgentActor } from '../agents/actor';
import { currentTerritoryId, tx } from '../db/database';
import { AppError } from '../errors';
import { recordEvent } from '../events/outbox';
import { isUuid } from '../http/ids';
import { listBody, readPage } from '../http/pagination';
import { ApiRequest, route, RouteDefinition } from '../http/route';
import { requireMember, requireOrganisationAdmin } from './policy';

interface ScopedRecord extends ObjectLiteral {
  id: string;
  organisation_id: string;
  deleted_at: Date | null;
}

/**
 * CRUD routes for a record that belongs to one organisation (motifs, lieux, ...):
 * members read, organisation admins write, deletion is soft, every change is an event.
 * Domains plug in their rules through the hooks.
 */
export interface ScopedResource<E extends ScopedRecord> {
  entity: EntityTarget<E>;
  /** Event model name, singular (`motif`). */
  model: string;
  /** URL segment, plural (`motifs`). */
  plural: string;
  schema: string;
  tag: string;
  /** Defaults applied on creation, before the body. */
  defaults?: Partial<E>;
  orderBy: keyof E & string;
  toJson(record: E): Record<string, unknown>;
  /** Checks the body against rules a schema cannot express; throws AppError. */
  check?(body: Partial<E>, request: ApiRequest<'agent'>, existing?: E): Promise<void>;
  /** Narrows what a member may read (basic agents see the motifs of their services). */
  visibleTo?(actor: AgentActor, organisationId: string): FindOptionsWhere<E> | undefined;
  /** Narrows the list further, e.g. lieux used once whose day is over (the records stay readable by id). */
  listedOnly?(request: ApiRequest<'agent'>): FindOptionsWhere<E>;
  /** Who may write; organisation admins by default. */
  requireWriter?(actor: AgentActor, organisationId: string): void;
}

export function scopedResourceRoutes<E extends ScopedRecord>(resource: ScopedResource<E>): RouteDefinition[] {
  const requireWriter = resource.requireWriter ?? requireOrganisationAdmin;
  const find = async (actor: AgentActor, id: string): Promise<E> => {
    const record = isUuid(id)
      ? await tx().findOneBy(resource.entity, { id, deleted_at: IsNull() } as FindOptionsWhere<E>)
      : null;
    if (!record) throw AppError.notFound(resource.model);
    requireMember(actor, record.organisation_id);
    return record;
  };
  const visible = (actor: AgentActor, organisationId: string): FindOptionsWhere<E> => ({
    organisation_id: organisationId,
    deleted_at: IsNull(),
    ...(resource.visibleTo?.(actor, organisationId) ?? {}),
  }) as FindOptionsWhere<E>;

  return [
    route({
      method: 'get', path: `/api/v1/organisations/:org/${resource.plural}`, tag: resource.tag, access: 'agent',
      summary: `List the organisation's ${resource.plural}`,
      async handle(request) {
        const { actor, params, query } = request;
        requireMember(actor, params.org);
        const page = readPage(query);
        const [rows, total] = await tx().findAndCount(resource.entity, {
          where: { ...visible(actor, params.org), ...resource.listedOnly?.(request) },
          order: { [resource.orderBy]: 'ASC', id: 'ASC' } as never,
          skip: (page.page - 1) * page.per_page,
          take: page.per_page,
        });
        return listBody(rows.map(resource.toJson), page, total);
      },
    }),
    route({
      method: 'post', path: `/api/v1/organisations/:org/${resource.plural}`, tag: resource.tag, access: 'agent',
      body: resource.schema, status: 201,
      summary: `Create a ${resource.model}`,
      async handle(request) {
        const { actor, params, body } = request;
        requireWriter(actor, params.org);
        await resource.check?.(body, request);
        const record = await tx().save(tx().create(resource.entity, {
          ...resource.defaults,
          ...body,
          territory_id: currentTerritoryId(),
          organisation_id: params.org,
        } as unknown as E));
        const json = resource.toJson(record);
        await recordEvent(resource.model, 'created', json as { id: string }, { organisationId: params.org, actorAgentId: actor.agentId });
        return json;
      },
    }),
    route({
      method: 'get', path: `/api/v1/${resource.plural}/:id`, tag: resource.tag, access: 'agent',
      summary: `One ${resource.model}`,
      async handle({ actor, params }) {
        const record = await find(actor, params.id);
        const narrowed = await tx().findOneBy(resource.entity, { ...visible(actor, record.organisation_id), id: record.id } as FindOptionsWhere<E>);
        if (!narrowed) throw AppError.notFound(resource.model);
        return resource.toJson(record);
      },
    }),
    route({
      method: 'patch', path: `/api/v1/${resource.plural}/:id`, tag: resource.tag, access: 'agent',
      body: resource.schema, partialBody: true,
      summary: `Change a ${resource.model}`,
      async handle(request) {
        const { actor, params, body } = request;
        const record = await find(actor, params.id);
        requireWriter(actor, record.organisation_id);
        await resource.check?.(body, request, record);
        Object.assign(record, body, { updated_at: request.platform.clock.now() });
        const saved = await tx().save(resource.entity, record);
        const json = resource.toJson(saved);
        await recordEvent(resource.model, 'updated', json as { id: string }, { organisationId: record.organisation_id, actorAgentId: actor.agentId });
        return json;
      },
    }),
    route({
      method: 'delete', path: `/api/v1/${resource.plural}/:id`, tag: resource.tag, access: 'agent',
      summary: `Delete a ${resource.model}`,
      async handle({ actor, params, platform }) {
        const record = await find(actor, params.id);
        requireWriter(actor, record.organisation_id);
        await tx().update(resource.entity, { id: record.id } as FindOptionsWhere<E>, { deleted_at: platform.clock.now() } as never);
        await recordEvent(resource.model, 'destroyed', resource.toJson(record) as { id: string }, { organisationId: record.organisation_id, actorAgentId: actor.agentId });
        return undefined;
      },
    }),
  ];
}
