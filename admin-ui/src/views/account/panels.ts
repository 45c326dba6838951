import type { Component } from 'vue';

/**
 * Sections plugins add to « Mon compte », below the calendar feed. The Outlook
 * (Microsoft 365) synchronisation, once written as a plugin, adds here the panel that
 * connects the agent's mailbox; the panel asks its plugin's own agent route whether the
 * territory turned it on and renders nothing otherwise. No such plugin exists yet: the
 * list is empty and « Mon compte » shows no Outlook section.
 */
export const ACCOUNT_PANELS: Component[] = [];
