import { api } from './client';

export type ExportKind = 'rdvs' | 'participations';

export interface ExportRequest {
  id: string;
  kind: ExportKind;
  organisation_id: string | null;
  organisation_name?: string | null;
  status: 'pending' | 'running' | 'ready' | 'failed';
  progress: number;
  row_count: number | null;
  file_name: string;
  download_url: string | null;
  created_at: string;
  expires_at: string;
}

/** Asks for an export of the organisation's rdvs (or the territory's, without an organisation) with the list's filters. */
export function requestExport(organisationId: string | null, kind: ExportKind, filters: Record<string, string>): Promise<{ id: string; status: string }> {
  const path = organisationId ? `/api/v1/organisations/${organisationId}/exports` : '/api/v1/territories/current/exports';
  return api.post(path, { kind, filters });
}

/**
 * Saves the export's file: the download needs the agent's token, which a plain link would
 * not carry, so the file is fetched and handed to the browser as a blob.
 */
export async function downloadExport(entry: ExportRequest, token: string | null): Promise<void> {
  const response = await fetch(`/api/v1/exports/${entry.id}/download`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = entry.file_name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
