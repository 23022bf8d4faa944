/**
 * `upkeep.health.endpoints` as the user wrote it → the endpoints a run checks,
 * and what was wrong with the rest (shown, never thrown: one bad entry does
 * not stop the others).
 */
import type { HealthEndpoint } from './model';

export function parseEndpoints(value: unknown): { endpoints: HealthEndpoint[]; problems: string[] } {
  const endpoints: HealthEndpoint[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { endpoints, problems };
  if (!Array.isArray(value)) return { endpoints, problems: ['upkeep.health.endpoints must be a list of { name, url }.'] };
  value.forEach((raw: unknown, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const where = `upkeep.health.endpoints[${i}]`;
    if (typeof e['name'] !== 'string' || !e['name'].trim()) return problems.push(`${where} has no name.`);
    if (typeof e['url'] !== 'string') return problems.push(`${where} (${e['name']}) has no url.`);
    let url: URL;
    try {
      url = new URL(e['url']);
    } catch {
      return problems.push(`${where} (${e['name']}): "${e['url']}" is not a URL.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return problems.push(`${where} (${e['name']}): only http and https URLs are checked.`);
    const endpoint: HealthEndpoint = { name: e['name'], url: e['url'] };
    if (typeof e['bodyMatches'] === 'string' && e['bodyMatches']) endpoint.bodyMatches = e['bodyMatches'];
    if (typeof e['timeoutMs'] === 'number' && Number.isFinite(e['timeoutMs']) && e['timeoutMs'] > 0) endpoint.timeoutMs = e['timeoutMs'];
    endpoints.push(endpoint);
    return undefined;
  });
  return { endpoints, problems };
}
