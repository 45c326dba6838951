import { nextTick } from 'vue';
import { createRouter, createWebHistory, RouteRecordRaw } from 'vue-router';
import { i18n } from '../i18n';

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title. */
    title: string;
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/organisations/:slug',
    name: 'organisation',
    component: () => import('../views/OrganisationPage.vue'),
    meta: { title: 'organisation.title' },
  },
  {
    path: '/organisations/:slug/motifs/:motifId',
    name: 'creneaux',
    component: () => import('../views/ChooseSlot.vue'),
    meta: { title: 'slots.title' },
  },
  {
    path: '/organisations/:slug/reservation/coordonnees',
    name: 'identity',
    component: () => import('../views/IdentityForm.vue'),
    meta: { title: 'identity.title' },
  },
  {
    path: '/organisations/:slug/reservation/code',
    name: 'code',
    component: () => import('../views/ConfirmCode.vue'),
    meta: { title: 'code.title' },
  },
  {
    path: '/organisations/:slug/reservation/confirmee',
    name: 'confirmed',
    component: () => import('../views/BookingConfirmed.vue'),
    meta: { title: 'confirmed.title' },
  },
  {
    path: '/rdvs/:token',
    name: 'manage',
    component: () => import('../views/ManageRdv.vue'),
    meta: { title: 'manage.title' },
  },
  {
    path: '/compte/invitation/:token',
    name: 'account-invitation',
    component: () => import('../views/AccountInvitation.vue'),
    meta: { title: 'accountInvitation.title' },
  },
  {
    path: '/territories/:slug',
    name: 'territory',
    component: () => import('../views/TerritoryPage.vue'),
    meta: { title: 'territory.title' },
  },
  {
    path: '/espace',
    name: 'espace',
    component: () => import('../views/EspaceUsager.vue'),
    meta: { title: 'espace.title' },
  },
  {
    path: '/franceconnect/callback',
    name: 'franceconnect-callback',
    component: () => import('../views/FranceConnectCallback.vue'),
    meta: { title: 'franceconnect.title' },
  },
  {
    path: '/:unknown(.*)*',
    name: 'not-found',
    component: () => import('../views/NotFound.vue'),
    meta: { title: 'notFound.title' },
  },
];

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.afterEach((to, from) => {
  document.title = `${i18n.global.t(to.meta.title)} — ${i18n.global.t('app.name')}`;
  // A screen reader hears the new page: focus its heading (not on the first load, nor a query change).
  if (from.matched.length && to.path !== from.path) {
    void nextTick(() => document.querySelector<HTMLElement>('main h1')?.focus());
  }
});
