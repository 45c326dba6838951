import { isConfigured, startOidcSignIn } from '../auth/oidc';
import { route } from '../http/route';
import {
  AccountBody, AccountChanges, deleteMyAccount, myAccount, myRdvs, openAccount, requireUsager, signedInUsager, signInUsager, signOutUsager, updateMyAccount, verifyAccount,
} from './accounts';
import { FranceConnectCallback, signInWithFranceConnect } from './franceconnect';
import { bookOnline, confirmHold, OnlineBooking } from './holds';
import { cancelByUsager, cancelMine, moveByUsager, showRecap } from './self-service';

/** Online booking, its confirmation, self-service and usager accounts: no agent token. */
export const publicBookingRoutes = [
  route({
    method: 'post', path: '/api/public/rdvs', tag: 'public', access: 'public', status: 202,
    body: 'api/public.rdv.json',
    summary: 'Book a créneau online (usager, or prescripteur for an usager): 202 {id, status: pending, confirmation: email} while the code sent by email is awaited (10 minutes); 201 with the rdv for a signed-in usager; 409 when the créneau is gone; 428 with a proof-of-work challenge past a threshold (many bookings from the network or awaiting their code in the organisation), to send again with its solution in the Proof-Of-Work header. Idempotency-Key honoured',
    async handle(request) {
      return bookOnline(request, request.body as OnlineBooking, await signedInUsager(request.platform, request.koa));
    },
  }),
  route({
    method: 'post', path: '/api/public/rdvs/:id/confirm', tag: 'public', access: 'public',
    body: 'api/public.rdv.confirm.json',
    summary: 'Confirm an online booking with the code sent by email: the rdv and its self-service link (manage_url); 410 once expired or used, 429 after 5 wrong codes',
    async handle(request) {
      return confirmHold(request, request.params.id, (request.body as { code: string }).code);
    },
  }),
  route({
    method: 'post', path: '/api/public/rdvs/:token/open', tag: 'public', access: 'public',
    body: 'api/public.rdv.open.json',
    summary: "The rdv of a self-service link, once {last_name_prefix} gives the first 3 letters of the usager's last name (5 wrong tries, then 429 with Retry-After). In the body, not the URL: URLs end up in logs",
    async handle(request) {
      return showRecap(request, request.params.token, request.body as { last_name_prefix: string });
    },
  }),
  route({
    method: 'post', path: '/api/public/rdvs/:token/cancel', tag: 'public', access: 'public',
    body: 'api/public.rdv.cancel.json',
    summary: "The usager cancels their rdv (until the motif's deadline, 4 hours by default)",
    async handle(request) {
      return cancelByUsager(request, request.params.token, request.body as { last_name_prefix: string });
    },
  }),
  route({
    method: 'post', path: '/api/public/rdvs/:token/move', tag: 'public', access: 'public',
    body: 'api/public.rdv.move.json',
    summary: 'The usager moves their rdv to another créneau of the motif, when the motif allows it, more than 2 days ahead, for an rdv not booked by an agent',
    async handle(request) {
      return moveByUsager(request, request.params.token, request.body as Parameters<typeof moveByUsager>[2]);
    },
  }),
  route({
    method: 'post', path: '/api/public/accounts', tag: 'public', access: 'public', status: 202,
    body: 'api/public.account.json',
    summary: 'Open an usager account; a code sent by email verifies it',
    async handle({ platform, body }) {
      return openAccount(platform, body as AccountBody);
    },
  }),
  route({
    method: 'post', path: '/api/public/accounts/verify', tag: 'public', access: 'public',
    body: 'api/public.account.verify.json',
    summary: 'Verify an usager account with the code sent by email (5 wrong codes, then 429)',
    async handle({ platform, body, koa }) {
      return verifyAccount(platform, koa, body as { email: string; code: string });
    },
  }),
  route({
    method: 'post', path: '/api/public/accounts/sign_in', tag: 'public', access: 'public',
    body: 'api/sign_in.json',
    summary: 'Sign in to a verified usager account: a bearer token for /api/public/me/rdvs and for booking without a code',
    async handle({ platform, body, koa }) {
      return signInUsager(platform, koa, body as { email: string; password: string });
    },
  }),
  route({
    method: 'delete', path: '/api/public/accounts/sign_in', tag: 'public', access: 'public',
    summary: "Sign out: the usager's token stops working; for a session opened with FranceConnect, answers {end_session_url} that ends FranceConnect's session too",
    async handle({ platform, koa }) {
      return signOutUsager(platform, koa);
    },
  }),
  route({
    method: 'get', path: '/api/public/franceconnect', tag: 'public', access: 'public',
    summary: 'Whether usagers may sign in with FranceConnect on this instance ({configured})',
    async handle({ platform }) {
      return { configured: isConfigured(platform, 'franceconnect') };
    },
  }),
  route({
    method: 'post', path: '/api/public/franceconnect/start', tag: 'public', access: 'public',
    summary: 'Start signing in with FranceConnect: {authorization_url} to send the browser to (state and nonce kept 10 minutes); 404 when the instance is not registered with FranceConnect, 503 when FranceConnect does not answer',
    async handle({ platform }) {
      return startOidcSignIn(platform, 'franceconnect');
    },
  }),
  route({
    method: 'post', path: '/api/public/franceconnect/callback', tag: 'public', access: 'public', body: 'api/public.franceconnect.callback.json',
    summary: "End signing in with FranceConnect: the usager's account found by FranceConnect's sub, else by its email, else opened in the organisation_slug's territory; FranceConnect's first name, birth name and birth date are then certified. Answers a bearer token for the usager routes and the account; 401 for an unknown, used or stale state or a code FranceConnect refuses, 503 when FranceConnect does not answer",
    async handle({ platform, body }) {
      return signInWithFranceConnect(platform, body as FranceConnectCallback);
    },
  }),
  route({
    method: 'get', path: '/api/public/me', tag: 'public', access: 'public',
    summary: "The signed-in usager's account, with the fields FranceConnect certified (certified_fields), which cannot be changed",
    async handle({ platform, koa }) {
      return myAccount(platform, await requireUsager(platform, koa));
    },
  }),
  route({
    method: 'patch', path: '/api/public/me', tag: 'public', access: 'public', body: 'api/public.me.json', partialBody: true,
    summary: "Change the signed-in usager's details; a change of a field FranceConnect certified is refused (422 with its path), nothing written",
    async handle({ platform, koa, body }) {
      return updateMyAccount(platform, await requireUsager(platform, koa), body as AccountChanges);
    },
  }),
  route({
    method: 'delete', path: '/api/public/me', tag: 'public', access: 'public',
    summary: "The signed-in usager closes their account: its sessions end (for one opened with FranceConnect, answers {end_session_url}); the fiches organisations keep are not touched",
    async handle({ platform, koa }) {
      return deleteMyAccount(platform, koa);
    },
  }),
  route({
    method: 'get', path: '/api/public/me/rdvs', tag: 'public', access: 'public',
    summary: "The signed-in usager's rdvs in every territory, newest first",
    async handle({ platform, koa }) {
      return myRdvs(platform, await requireUsager(platform, koa));
    },
  }),
  route({
    method: 'post', path: '/api/public/me/rdvs/:id/cancel', tag: 'public', access: 'public',
    summary: "The signed-in usager cancels one of their rdvs (until the motif's deadline, as from the self-service link); 404 for an rdv that is not theirs",
    async handle(request) {
      return cancelMine(request, await requireUsager(request.platform, request.koa), request.params.id);
    },
  }),
];
