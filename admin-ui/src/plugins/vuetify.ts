import '@mdi/font/css/materialdesignicons.css';
import 'vuetify/styles';
import { createVuetify } from 'vuetify';
import { fr } from 'vuetify/locale';

/** Colours chosen for a contrast ratio of at least 4.5:1 on white (RGAA / WCAG AA). */
export const vuetify = createVuetify({
  locale: { locale: 'fr', messages: { fr } },
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
        // Labels and hints are drawn at this opacity, sometimes twice nested: 0.6 fell under 4.5:1.
        variables: { 'medium-emphasis-opacity': 0.87 },
      },
    },
  },
  defaults: {
    VTextField: { variant: 'outlined', density: 'comfortable' },
    VTextarea: { variant: 'outlined', density: 'comfortable' },
    VSelect: { variant: 'outlined', density: 'comfortable' },
    VBtn: { rounded: 'sm' },
  },
});
