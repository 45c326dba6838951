import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vuetify from 'vite-plugin-vuetify';

// Served by the platform under /public/ (platform/src/http/static.ts).
export default defineConfig({
  base: '/public/',
  plugins: [vue(), vuetify({ autoImport: true })],
  resolve: {
    // Code both UIs share, kept in the admin UI's tree (TypeScript, CSS, the schema forms' component), nothing admin-only.
    alias: { '@shared': fileURLToPath(new URL('../admin-ui/src/shared', import.meta.url)) },
    // Each workspace installs its own Vuetify: the shared component must use the portal's, not a second copy from admin-ui/.
    dedupe: ['vue', 'vuetify'],
  },
  define: {
    // vue-i18n's compile-time flags: Composition API only, no devtools in production.
    __VUE_I18N_LEGACY_API__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  server: {
    // The UI imports the validation module shared with the platform.
    fs: { allow: ['..'] },
    proxy: { '/api': process.env.LAPIN_API_URL ?? 'http://localhost:3000' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
