import 'vuetify/styles';
import { createVuetify } from 'vuetify';
import { aliases, mdi } from 'vuetify/iconsets/mdi-svg';
import { fr } from 'vuetify/locale';

/**
 * Icons as inline SVG paths (Vuetify's own aliases): no icon font to download on a
 * phone. Colours chosen for a contrast ratio of at least 4.5:1 on white (RGAA / WCAG AA).
 */
export const vuetify = createVuetify({
  locale: { locale: 'fr', messages: { fr } },
  icons: { defaultSet: 'mdi', aliases, sets: { mdi } },
  theme: {
    defaultTheme: 'lapin',
    themes: {
      lapin: {
        dark: false,
        colors: {
          primary: '#000091', // bleu France
          secondary: '#3a3a3a',
          error: '#ce0500',
          success: '#18753c',
          warning: '#b34000',
          info: '#0063cb',
          background: '#f6f6f6',
          surface: '#ffffff',
        },
      },
    },
  },
  defaults: {
    VTextField: { variant: 'outlined', density: 'comfortable' },
    VSelect: { variant: 'outlined', density: 'comfortable' },
    // Sentence case reads better than capitals (and keeps accents visible).
    VBtn: { rounded: 'sm', class: 'text-none' },
  },
});
