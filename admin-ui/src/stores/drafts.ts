/**
 * Drafts of forms being filled, in sessionStorage: they survive a reload and a session
 * that expires mid-form, and belong to one agent (another agent signing in on the same
 * browser never sees them).
 */
const PREFIX = 'lapin.draft.';

export function draftKey(agentId: string, form: string): string {
  return `${PREFIX}${agentId}.${form}`;
}

export function readDraft<T>(key: string): T | undefined {
  const raw = sessionStorage.getItem(key);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    sessionStorage.removeItem(key);
    return undefined;
  }
}

export function writeDraft(key: string, value: unknown): void {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Over the storage quota (a huge paste): the form still holds the value.
  }
}

export function dropDraft(key: string): void {
  sessionStorage.removeItem(key);
}

export function dropAllDrafts(): void {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
}
