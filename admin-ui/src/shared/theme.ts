/** Vuetify's `lapin` theme, the same in both UIs: colours chosen for a contrast ratio of at least 4.5:1 on white (RGAA / WCAG AA). */
export const lapinTheme = {
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
};

/** Text inputs and selects look alike in both UIs. */
export const fieldDefaults = { variant: 'outlined', density: 'comfortable' } as const;
