import type { Component } from 'vue';
import OutlookCard from './OutlookCard.vue';

/**
 * Sections plugins add to « Mon compte », below the calendar feed. Each asks its plugin's
 * own agent route whether the territory turned it on, and renders nothing otherwise.
 */
export const ACCOUNT_PANELS: Component[] = [OutlookCard];
