import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { configureApi } from './api/client';
import { i18n } from './i18n';
import { vuetify } from './plugins/vuetify';
import { router } from './router';
import { useSessionStore } from './stores/session';
import '@shared/styles.css';

const app = createApp(App);
app.use(createPinia());
app.use(i18n);
app.use(vuetify);

const session = useSessionStore();
configureApi({
  token: () => session.token,
  // A request refused for an expired or revoked token: back to sign-in, then back here.
  onSessionExpired: () => {
    session.expire();
    void router.push({ name: 'sign-in', query: { redirect: router.currentRoute.value.fullPath } });
  },
});

app.use(router);
app.mount('#app');
