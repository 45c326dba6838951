import { CERTIFIED_FIELDS, certifiedFieldErrors } from '../booking/franceconnect';
import { tx } from '../db/database';
import { AppError } from '../errors';
import { loadForm } from '../forms/forms';
import { versionsOf } from '../history/record-versions';
import { readFlag } from '../http/flags';
import { listBody, readPage } from '../http/pagination';
import { route } from '../http/route';
import { MergeBody, mergeUsers } from './merge';
import { searchPatterns } from './search';
import { User, UserProfile } from './user.entity';
import {
  actingOrganisation, createUser, findUserFor, profilesOf, removeUserFromOrganisation, requireOrganisation, storedValues, updateUser, UserBody, userJson, visibleOrganisations,
} from './users';

/** Fiches are checked against the form this many at a time for ?nonconforming=true. */
const CONFORMITY_BATCH = 500;
const MAX_SEARCH_LENGTH = 200;

/** The organisation's usagers (not deleted), narrowed by ?search=. */
function organisationUsers(organisationId: string, search: string) {
  const query = tx().createQueryBuilder(User, 'u')
    .innerJoin(UserProfile, 'p', 'p.user_id = u.id AND p.organisation_id = :organisationId', { organisationId })
    .where('u.deleted_at IS NULL');
  searchPatterns(search).forEach((pattern, index) => query.andWhere(`u.search_text LIKE :term${index}`, { [`term${index}`]: pattern }));
  return query;
}

function fiche(body: unknown): UserBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw AppError.invalid('The request body must be a JSON object');
  return body as UserBody;
}

const byName = (a: User, b: User) => a.last_name.localeCompare(b.last_name, 'fr') || a.first_name.localeCompare(b.first_name, 'fr') || a.id.localeCompare(b.id);

/** A fiche FranceConnect certified names the fields agents cannot change (their screen shows them read-only). */
const certification = (user: User) => (user.franceconnect_identity_at ? { certified_fields: [...CERTIFIED_FIELDS] } : {});

export const userRoutes = [
  route({
    method: 'get', path: '/api/v1/organisations/:org/users', tag: 'usagers', access: 'agent',
    summary: "The organisation's usagers; ?search= matches names, email and phone (any case, any accents); ?nonconforming=true lists those whose fiche fails the current form",
    async handle({ actor, params, query, platform }) {
      await requireOrganisation(actor, params.org);
      const page = readPage(query);
      const search = query.search ?? '';
      if (search.length > MAX_SEARCH_LENGTH) throw new AppError('malformed', `search is longer than ${MAX_SEARCH_LENGTH} characters`, [{ path: 'search', message: 'is too long' }]);
      const form = await loadForm(platform, 'user');
      let users: User[];
      let total: number;
      if (readFlag(query.nonconforming, 'nonconforming')) {
        const failing: User[] = [];
        for (let offset = 0; ; offset += CONFORMITY_BATCH) {
          const batch = await organisationUsers(params.org, search).orderBy('u.id').offset(offset).limit(CONFORMITY_BATCH).getMany();
          failing.push(...batch.filter((user) => form.nonconformities(storedValues(user)).length));
          if (batch.length < CONFORMITY_BATCH) break;
        }
        failing.sort(byName);
        total = failing.length;
        users = failing.slice((page.page - 1) * page.per_page, page.page * page.per_page);
      } else {
        [users, total] = await organisationUsers(params.org, search)
          .orderBy('u.last_name').addOrderBy('u.first_name').addOrderBy('u.id')
          .offset((page.page - 1) * page.per_page).limit(page.per_page)
          .getManyAndCount();
      }
      const profiles = await profilesOf(users.map((user) => user.id));
      return listBody(users.map((user) => userJson(user, form, visibleOrganisations(actor, profiles.get(user.id)!))), page, total);
    },
  }),
  route({
    method: 'post', path: '/api/v1/organisations/:org/users', tag: 'usagers', access: 'agent', status: 201,
    // Validated by the handler against the territory's effective form (the static schema documents the standard fields).
    body: 'api/user.json', documentBody: true,
    summary: "Create an usager in the organisation; the body follows the territory's effective user form (GET /api/v1/forms/user)",
    async handle({ actor, params, body, platform }) {
      await requireOrganisation(actor, params.org);
      const form = await loadForm(platform, 'user');
      const user = await createUser({ actor, platform }, form, params.org, form.validate(fiche(body)));
      return userJson(user, form, [params.org]);
    },
  }),
  route({
    method: 'get', path: '/api/v1/users/:id', tag: 'usagers', access: 'agent',
    summary: 'One usager of an organisation of the agent, with what no longer fits the current form',
    async handle({ actor, params, platform }) {
      const found = await findUserFor(actor, params.id);
      return { ...userJson(found.user, await loadForm(platform, 'user'), visibleOrganisations(actor, found.organisationIds)), ...certification(found.user) };
    },
  }),
  route({
    method: 'patch', path: '/api/v1/users/:id', tag: 'usagers', access: 'agent',
    body: 'api/user.json', partialBody: true, documentBody: true,
    summary: 'Change an usager; custom_fields merge with the stored ones (null clears one)',
    async handle({ actor, params, body, platform }) {
      const found = await findUserFor(actor, params.id);
      const form = await loadForm(platform, 'user');
      const changes = fiche(body);
      if (!Object.keys(changes).length) throw AppError.invalid('The request body is empty: give the fields to change');
      if (found.user.franceconnect_identity_at) {
        const { first_name, birth_name, birth_date } = found.user;
        const refused = certifiedFieldErrors({ first_name, birth_name, birth_date }, changes);
        if (refused.length) throw AppError.invalid('FranceConnect certifies these details: they cannot be changed by hand', refused);
      }
      const user = await updateUser({ actor, platform }, form, found, form.validate(changes, { partial: true }));
      return { ...userJson(user, form, visibleOrganisations(actor, found.organisationIds)), ...certification(user) };
    },
  }),
  route({
    method: 'delete', path: '/api/v1/users/:id', tag: 'usagers', access: 'agent',
    summary: 'Remove the usager from an organisation (?organisation_id=, needed when they are in several of yours); anonymised once no organisation holds them',
    async handle({ actor, params, query, platform }) {
      const found = await findUserFor(actor, params.id);
      const organisationId = actingOrganisation(actor, found, query.organisation_id);
      await removeUserFromOrganisation({ actor, platform }, await loadForm(platform, 'user'), found, organisationId);
      return undefined;
    },
  }),
  route({
    method: 'get', path: '/api/v1/users/:id/versions', tag: 'usagers', access: 'agent',
    summary: "History of an usager's fiche, newest first: who, when, which fields, old and new values",
    async handle({ actor, params, query }) {
      const { user } = await findUserFor(actor, params.id);
      const page = readPage(query);
      const [rows, total] = await versionsOf('user', user.id, page);
      return listBody(rows, page, total);
    },
  }),
  route({
    method: 'post', path: '/api/v1/users/merge', tag: 'usagers', access: 'agent',
    body: 'api/user.merge.json',
    summary: 'Merge other_user_id into user_id, choosing per field whose value to keep; the merged fiche keeps the organisations and rdvs of both',
    async handle({ actor, body, platform }) {
      return mergeUsers({ actor, platform }, await loadForm(platform, 'user'), body as MergeBody);
    },
  }),
];
