// How resources look in tables and documents.
import type { Resource } from "../rpc/gen/stigmer/v1/resource.ts";

export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** The resource as users wrote it, plus what the backend added. */
export function resourceDocument(resource: Resource): Record<string, unknown> {
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: resource.metadata,
    spec: resource.specJson ? JSON.parse(resource.specJson) : {},
    status: resource.statusJson ? JSON.parse(resource.statusJson) : {},
  };
}
