import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vuetify from 'vite-plugin-vuetify';

// Served by the platform under /admin/ (platform/src/http/static.ts).
export default defineConfig({
  base: '/admin/',
  plugins: [vue(), vuetify({ autoImport: true })],
  resolve: {
    // Code both UIs share (the public UI imports it from here too).
    alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) },
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
    proxy: { '/api': 'http://localhost:3000' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
  },
});
