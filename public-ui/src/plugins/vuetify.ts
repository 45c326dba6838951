import 'vuetify/styles';
import { fieldDefaults, lapinTheme } from '@shared/theme';
import { createVuetify } from 'vuetify';
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg';
import { fr } from 'vuetify/locale';

/** Icons as inline SVG paths (Vuetify's own aliases): no icon font to download on a phone. */
export const vuetify = createVuetify({
  locale: { locale: 'fr', messages: { fr } },
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  theme: { defaultTheme: 'lapin', themes: { lapin: lapinTheme } },
  defaults: {
    VTextField: fieldDefaults,
    VSelect: fieldDefaults,
    // Sentence case reads better than capitals (and keeps accents visible).
    VBtn: { rounded: 'sm', class: 'text-none' },
  },
});
