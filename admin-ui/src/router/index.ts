import { createRouter, createWebHistory, RouteLocationNormalized, RouteRecordRaw } from 'vue-router';
import { i18n } from '../i18n';
import { useOrganisationsStore } from '../stores/organisations';
import { useSessionStore } from '../stores/session';

/** Who may open a screen; the same rules the API applies, so a screen never offers what it would refuse. */
export type Access = 'public' | 'member' | 'organisation_admin' | 'territorial_admin';

declare module 'vue-router' {
  interface RouteMeta {
    access: Access;
    /** i18n key of the page title. */
    title: string;
  }
}

const organisationRoutes: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('../views/Home.vue'), meta: { access: 'member', title: 'nav.home' } },
  { path: 'agenda', name: 'agenda', component: () => import('../views/agenda/Agenda.vue'), meta: { access: 'member', title: 'nav.agenda' } },
  { path: 'users', name: 'users', component: () => import('../views/users/Users.vue'), meta: { access: 'member', title: 'nav.users' } },
  { path: 'users/merge', name: 'users-merge', component: () => import('../views/users/Merge.vue'), meta: { access: 'member', title: 'users.merge.title' } },
  { path: 'users/new', name: 'user-new', component: () => import('../views/users/UserEdit.vue'), meta: { access: 'member', title: 'users.new' } },
  { path: 'users/:id', name: 'user-edit', component: () => import('../views/users/UserEdit.vue'), meta: { access: 'member', title: 'users.edit' } },
  { path: 'rdvs', name: 'rdv-list', component: () => import('../views/rdvs/List.vue'), meta: { access: 'member', title: 'nav.rdvList' } },
  { path: 'waiting-room', name: 'waiting-room', component: () => import('../views/rdvs/WaitingRoom.vue'), meta: { access: 'member', title: 'nav.waitingRoom' } },
  { path: 'search', name: 'search', component: () => import('../views/search/Search.vue'), meta: { access: 'member', title: 'nav.search' } },
  { path: 'rdvs/:id', name: 'rdv', component: () => import('../views/rdvs/Fiche.vue'), meta: { access: 'member', title: 'rdvFiche.title' } },
  { path: 'settings', name: 'organisation-settings', component: () => import('../views/organisation/Settings.vue'), meta: { access: 'organisation_admin', title: 'nav.organisation' } },
  { path: 'motifs', name: 'motifs', component: () => import('../views/organisation/Motifs.vue'), meta: { access: 'organisation_admin', title: 'nav.motifs' } },
  { path: 'motifs/new', name: 'motif-new', component: () => import('../views/organisation/MotifEdit.vue'), meta: { access: 'organisation_admin', title: 'motifs.new' } },
  { path: 'motifs/:id', name: 'motif-edit', component: () => import('../views/organisation/MotifEdit.vue'), meta: { access: 'organisation_admin', title: 'motifs.edit' } },
  { path: 'lieux', name: 'lieux', component: () => import('../views/organisation/Lieux.vue'), meta: { access: 'organisation_admin', title: 'nav.lieux' } },
  { path: 'webhooks', name: 'webhooks', component: () => import('../views/organisation/Webhooks.vue'), meta: { access: 'organisation_admin', title: 'nav.webhooks' } },
  { path: 'agents', name: 'agents', component: () => import('../views/organisation/Agents.vue'), meta: { access: 'organisation_admin', title: 'nav.agents' } },
  { path: 'closures', name: 'closures', component: () => import('../views/agenda-settings/Closures.vue'), meta: { access: 'organisation_admin', title: 'nav.closures' } },
  { path: 'statistics', name: 'statistics', component: () => import('../views/statistics/Statistics.vue'), meta: { access: 'organisation_admin', title: 'nav.statistics' } },
  { path: 'reference-weeks', name: 'reference-weeks', component: () => import('../views/agenda-settings/ReferenceWeeks.vue'), meta: { access: 'organisation_admin', title: 'nav.referenceWeeks' } },
];

const territoryRoutes: RouteRecordRaw[] = [
  { path: 'organisations', name: 'territory-organisations', component: () => import('../views/territory/Organisations.vue'), meta: { access: 'territorial_admin', title: 'nav.organisations' } },
  { path: 'services', name: 'territory-services', component: () => import('../views/territory/Services.vue'), meta: { access: 'territorial_admin', title: 'nav.services' } },
  { path: 'user-fields', name: 'territory-user-fields', component: () => import('../views/territory/UserFields.vue'), meta: { access: 'territorial_admin', title: 'nav.userFields' } },
  { path: 'rdv-fields', name: 'territory-rdv-fields', component: () => import('../views/territory/RdvFields.vue'), meta: { access: 'territorial_admin', title: 'nav.rdvFields' } },
  { path: 'waiting-room', name: 'territory-waiting-room', component: () => import('../views/territory/WaitingRoomSettings.vue'), meta: { access: 'territorial_admin', title: 'nav.waitingRoomSettings' } },
  { path: 'notifications', name: 'territory-notifications', component: () => import('../views/territory/Notifications.vue'), meta: { access: 'territorial_admin', title: 'nav.notifications' } },
  { path: 'holidays', name: 'territory-holidays', component: () => import('../views/territory/Holidays.vue'), meta: { access: 'territorial_admin', title: 'nav.holidays' } },
  { path: 'statistics', name: 'territory-statistics', component: () => import('../views/statistics/Statistics.vue'), meta: { access: 'territorial_admin', title: 'nav.territoryStatistics' } },
  { path: 'plugins', name: 'territory-plugins', component: () => import('../views/territory/Plugins.vue'), meta: { access: 'territorial_admin', title: 'nav.plugins' } },
  { path: 'plugins/:name', name: 'territory-plugin', component: () => import('../views/territory/Plugin.vue'), meta: { access: 'territorial_admin', title: 'nav.plugins' } },
  { path: 'plugins/ants', name: 'territory-ants', component: () => import('../views/territory/Ants.vue'), meta: { access: 'territorial_admin', title: 'nav.ants' } },
];

const routes: RouteRecordRaw[] = [
  { path: '/sign-in', name: 'sign-in', component: () => import('../views/SignIn.vue'), meta: { access: 'public', title: 'signIn.title' } },
  { path: '/invitations/:token', name: 'invitation', component: () => import('../views/AcceptInvitation.vue'), meta: { access: 'public', title: 'invitation.title' } },
  { path: '/proconnect/callback', name: 'proconnect-callback', component: () => import('../views/ProConnectCallback.vue'), meta: { access: 'public', title: 'proconnect.title' } },
  { path: '/forgot-password', name: 'forgot-password', component: () => import('../views/ForgotPassword.vue'), meta: { access: 'public', title: 'forgotPassword.title' } },
  { path: '/reset-password/:token', name: 'reset-password', component: () => import('../views/ResetPassword.vue'), meta: { access: 'public', title: 'resetPassword.title' } },
  {
    path: '/',
    component: () => import('../components/AppShell.vue'),
    children: [
      { path: '', name: 'start', component: () => import('../views/NotFound.vue'), meta: { access: 'member', title: 'nav.home' } },
      { path: 'organisations/:org', children: organisationRoutes },
      { path: 'territory', children: territoryRoutes },
      { path: 'exports', name: 'exports', component: () => import('../views/exports/Exports.vue'), meta: { access: 'member', title: 'exports.title' } },
      { path: 'account', name: 'account', component: () => import('../views/account/Account.vue'), meta: { access: 'member', title: 'account.title' } },
      // The link sent to agents names no organisation: the rdv's own opens.
      { path: 'rdvs/:id', name: 'rdv-link', component: () => import('../views/rdvs/FicheLink.vue'), meta: { access: 'member', title: 'rdvFiche.title' } },
      { path: ':unknown(.*)*', name: 'not-found', component: () => import('../views/NotFound.vue'), meta: { access: 'member', title: 'notFound.title' } },
    ],
  },
];

export const router = createRouter({ history: createWebHistory(import.meta.env.BASE_URL), routes });

export const LAST_ORGANISATION = 'lapin.lastOrganisation';

function allowed(to: RouteLocationNormalized): boolean {
  const session = useSessionStore();
  const organisationId = typeof to.params.org === 'string' ? to.params.org : undefined;
  if (organisationId && !session.isMemberOf(organisationId)) return false;
  switch (to.meta.access) {
    case 'territorial_admin': return session.territorialAdmin;
    case 'organisation_admin': return organisationId !== undefined && session.isAdminOf(organisationId);
    default: return true;
  }
}

router.beforeEach(async (to) => {
  const session = useSessionStore();
  const organisations = useOrganisationsStore();
  if (to.meta.access === 'public') {
    if (to.name === 'sign-in' && session.signedIn) return { path: '/' };
    return true;
  }
  if (!session.token) {
    organisations.clear();
    return { name: 'sign-in', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  }
  try {
    if (!session.agent) await session.loadAgent();
    if (!organisations.loaded) await organisations.load();
  } catch {
    // The API client already sent an expired session to sign-in; anything else shows on the page.
    if (!session.token) return false;
  }
  if (to.name === 'start') {
    const last = localStorage.getItem(LAST_ORGANISATION);
    const target = organisations.list.find((o) => o.id === last) ?? organisations.list[0];
    if (target) return { name: 'home', params: { org: target.id } };
    return to.path === '/' && session.territorialAdmin ? { name: 'territory-organisations' } : true;
  }
  if (!allowed(to)) return { name: 'not-found', params: { unknown: to.path.split('/').filter(Boolean) }, replace: true };
  if (typeof to.params.org === 'string') localStorage.setItem(LAST_ORGANISATION, to.params.org);
  return true;
});

router.afterEach((to) => {
  document.title = `${i18n.global.t(to.meta.title)} — Lapin`;
});
