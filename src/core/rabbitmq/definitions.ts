/**
 * The broker's definitions (GET /api/definitions: users, vhosts, permissions,
 * policies, queues, exchanges, bindings, parameters) as a file — the
 * configuration backup — and an import with a preview of what it adds and
 * what it changes. An import never deletes: what the file lacks stays.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RabbitApi } from './connection';
import type { RabbitOp } from './operation';
import { requestPath } from './request';

type Json = Record<string, unknown>;

/** The lists of a definitions file, and how one item of each is named and keyed. */
const CATEGORIES: Record<string, { key: (x: Json) => string; label: (x: Json) => string }> = {
  users: { key: (x) => s(x['name']), label: (x) => `user ${s(x['name'])}` },
  vhosts: { key: (x) => s(x['name']), label: (x) => `vhost ${s(x['name'])}` },
  permissions: { key: (x) => `${s(x['user'])}\u0000${s(x['vhost'])}`, label: (x) => `permissions of ${s(x['user'])} on vhost ${s(x['vhost'])}` },
  topic_permissions: { key: (x) => `${s(x['user'])}\u0000${s(x['vhost'])}\u0000${s(x['exchange'])}`, label: (x) => `topic permissions of ${s(x['user'])} on ${s(x['vhost'])}/${s(x['exchange'])}` },
  parameters: { key: (x) => `${s(x['component'])}\u0000${s(x['vhost'])}\u0000${s(x['name'])}`, label: (x) => `parameter ${s(x['component'])} ${s(x['name'])}${inVhost(x)}` },
  global_parameters: { key: (x) => s(x['name']), label: (x) => `global parameter ${s(x['name'])}` },
  policies: { key: (x) => `${s(x['vhost'])}\u0000${s(x['name'])}`, label: (x) => `policy ${s(x['name'])}${inVhost(x)}` },
  queues: { key: (x) => `${s(x['vhost'])}\u0000${s(x['name'])}`, label: (x) => `queue ${s(x['name'])}${inVhost(x)}` },
  exchanges: { key: (x) => `${s(x['vhost'])}\u0000${s(x['name'])}`, label: (x) => `exchange ${s(x['name'])}${inVhost(x)}` },
  bindings: {
    key: (x) => JSON.stringify([x['vhost'], x['source'], x['destination'], x['destination_type'], x['routing_key'], x['arguments'] ?? {}]),
    label: (x) => `binding ${s(x['source']) || '(default)'} → ${s(x['destination_type'])} ${s(x['destination'])}${x['routing_key'] ? ` [${s(x['routing_key'])}]` : ''}${inVhost(x)}`,
  },
};

/** " (vhost x)", or nothing in a one-vhost export (whose items carry no vhost). */
function inVhost(x: Json): string {
  return typeof x['vhost'] === 'string' ? ` (vhost ${x['vhost']})` : '';
}

function s(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** Object keys in a stable order, so equal definitions compare equal whatever order the server wrote them in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Json)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export interface CategoryDiff {
  category: string;
  added: string[];
  changed: string[];
  unchanged: number;
}

export interface DefinitionsDiff {
  categories: CategoryDiff[];
  added: number;
  changed: number;
  /** Users whose password hash or tags the import replaces: worth saying apart. */
  usersChanged: string[];
}

/** Reads and checks a definitions file: JSON with at least one of the known lists. */
export function parseDefinitions(text: string, source: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.keys(CATEGORIES).some((c) => Array.isArray((parsed as Json)[c]))) {
    throw new Error(`${source} is not a RabbitMQ definitions file (no users, vhosts, queues, exchanges, bindings or policies lists).`);
  }
  return parsed as Json;
}

/** What importing `incoming` over `current` adds and changes, by category. */
export function diffDefinitions(current: Json, incoming: Json): DefinitionsDiff {
  const categories: CategoryDiff[] = [];
  const usersChanged: string[] = [];
  for (const [category, rule] of Object.entries(CATEGORIES)) {
    const list = incoming[category];
    if (!Array.isArray(list) || !list.length) continue;
    const have = new Map<string, string>();
    for (const x of (Array.isArray(current[category]) ? current[category] : []) as Json[]) have.set(rule.key(x), canonical(x));
    const diff: CategoryDiff = { category, added: [], changed: [], unchanged: 0 };
    for (const x of list as Json[]) {
      const before = have.get(rule.key(x));
      if (before === undefined) diff.added.push(rule.label(x));
      else if (before !== canonical(x)) {
        diff.changed.push(rule.label(x));
        if (category === 'users') usersChanged.push(s(x['name']));
      } else diff.unchanged++;
    }
    categories.push(diff);
  }
  return {
    categories,
    added: categories.reduce((n, c) => n + c.added.length, 0),
    changed: categories.reduce((n, c) => n + c.changed.length, 0),
    usersChanged,
  };
}

/** The diff in lines for a preview: counts per category, then the first names of each. */
export function describeDiff(diff: DefinitionsDiff, max = 12): string[] {
  const lines: string[] = [];
  for (const c of diff.categories) {
    if (!c.added.length && !c.changed.length) continue;
    const names = [...c.added.map((x) => `+ ${x}`), ...c.changed.map((x) => `~ ${x}`)];
    lines.push(`${c.category}: ${c.added.length} added, ${c.changed.length} changed, ${c.unchanged} unchanged`);
    lines.push(...names.slice(0, max).map((x) => `  ${x}`));
    if (names.length > max) lines.push(`  … and ${names.length - max} more`);
  }
  if (!lines.length) lines.push('Nothing: every definition in the file is already on the server, unchanged.');
  if (diff.usersChanged.length) lines.push(`Users whose password hash or tags are replaced: ${diff.usersChanged.join(', ')}`);
  return lines;
}

/** GET /api/definitions (all vhosts) or /api/definitions/<vhost>, as the server's JSON text. */
export function readDefinitionsText(api: RabbitApi, vhost?: string, signal?: AbortSignal): Promise<string> {
  return api.send({ method: 'GET', path: vhost === undefined ? ['definitions'] : ['definitions', vhost] }, { maxBytes: 512 * 1024 * 1024, timeoutMs: 120_000, ...(signal ? { signal } : {}) });
}

/**
 * Writes the definitions to `file`: to a hidden temporary name in the same
 * folder first (mode 0600: the file holds every user's password hash), then
 * renamed over the target, so a failed export never leaves half a file.
 */
export async function writeDefinitionsFile(file: string, text: string): Promise<number> {
  const pretty = `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.promises.writeFile(tmp, pretty, { mode: 0o600, flag: 'wx' });
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  return Buffer.byteLength(pretty);
}

/** The import as an Operation: POST /api/definitions with the file as body (the preview shows the diff, not the JSON). */
export function buildImport(definitions: Json, file: string, diff: DefinitionsDiff, vhost?: string): RabbitOp {
  const request = { method: 'POST' as const, path: vhost === undefined ? ['definitions'] : ['definitions', vhost], body: definitions };
  const bytes = Buffer.byteLength(JSON.stringify(definitions));
  return {
    engine: 'rabbitmq',
    language: 'http',
    kind: 'definitions-import',
    title: `Import definitions from ${path.basename(file)}`,
    target: { kind: vhost === undefined ? 'broker' : 'vhost', ...(vhost !== undefined ? { vhost } : {}), name: path.basename(file) },
    request,
    text: `POST ${requestPath(request)}\ncontent-type: application/json\n\n# body: the ${bytes.toLocaleString('en-US')} bytes of ${file}`,
    impact: [
      `adds ${diff.added} and replaces ${diff.changed} definitions; nothing the file lacks is deleted. Queues and exchanges whose arguments differ make the import fail half-way (the server does not redeclare them).`,
      ...describeDiff(diff),
    ].join('\n'),
    risk: diff.changed ? 'destructive' : 'heavy',
    confirmName: path.basename(file),
    cancelNote: 'One request: once the server has it, the import runs to its end.',
  };
}
