import '@mdi/font/css/materialdesignicons.css';
import 'vuetify/styles';
import { fieldDefaults, lapinTheme } from '@shared/theme';
import { createVuetify } from 'vuetify';
import { fr } from 'vuetify/locale';

export const vuetify = createVuetify({
  locale: { locale: 'fr', messages: { fr } },
  theme: {
    defaultTheme: 'lapin',
    themes: {
      lapin: {
        ...lapinTheme,
        // Labels and hints are drawn at this opacity, sometimes twice nested: 0.6 fell under 4.5:1.
        variables: { 'medium-emphasis-opacity': 0.87 },
      },
    },
  },
  defaults: {
    VTextField: fieldDefaults,
    VTextarea: fieldDefaults,
    VSelect: fieldDefaults,
    VBtn: { rounded: 'sm' },
  },
});
