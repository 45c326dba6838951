import type { Context } from 'koa';
import type { AgentActor, PlatformAdminActor } from '../agents/actor';
import type { Platform } from '../platform';
import type { JsonSchema } from './schemas';

export type Access = 'agent' | 'platform_admin' | 'public';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type ActorOf<A extends Access> = A extends 'agent' ? AgentActor : A extends 'platform_admin' ? PlatformAdminActor : null;

export interface ApiRequest<A extends Access = Access, Body = any> {
  actor: ActorOf<A>;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** Already validated against the route's schema when it has one. */
  body: Body;
  platform: Platform;
  koa: Context;
}

/**
 * One API route: its contract (method, path, body schema, status) and its handler.
 * The same definition mounts the route and writes its OpenAPI entry.
 * - `agent` routes run inside one tenant transaction (row-level security on);
 * - `platform_admin` routes inside one system transaction;
 * - `public` handlers open the transactions they need themselves.
 */
export interface RouteDefinition<A extends Access = Access> {
  method: Method;
  /** Koa style: `/api/v1/motifs/:id`. */
  path: string;
  summary: string;
  tag: string;
  access: A;
  /** `$id` of the body's schema under schemas/. */
  body?: string;
  /** PATCH: the body schema with nothing required. */
  partialBody?: boolean;
  /** The body's schema depends on the URL (configuration documents): the handler validates it. */
  documentBody?: boolean;
  /** A body schema that is not under schemas/ (a plugin's): the handler validates it, the OpenAPI document shows it. */
  bodySchema?: JsonSchema;
  /** `$id` of the response's schema, for the OpenAPI document. */
  response?: string;
  /** Success status; a handler returning undefined answers 204. */
  status?: number;
  /** Repeated query parameters are not refused: the handler reads `koa.query`, where they are arrays (partners' contracts, `ids=A&ids=B`). */
  repeatedQuery?: boolean;
  handle(request: ApiRequest<A>): Promise<unknown>;
}

/**
 * A handler's answer when its status is not the route's: a booking that awaits
 * its confirmation answers 202 where a confirmed one answers 201.
 */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Identity function that lets TypeScript infer the actor's type from `access`. */
export function route<A extends Access>(definition: RouteDefinition<A>): RouteDefinition<A> {
  return definition;
}
