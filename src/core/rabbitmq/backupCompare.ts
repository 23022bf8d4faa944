/**
 * What RabbitMQ's Verify compares (pure): a definitions export split by
 * vhost into what a vhost import can restore (queues, exchanges, bindings,
 * policies), each object named by what identifies it in its vhost and
 * compared field by field with what the broker exported after the restore;
 * and what only reading can check (users, permissions, parameters, global
 * parameters): that the lists are there, counted, and refer to each other.
 */

type Json = Record<string, unknown>;

/** What POST /api/definitions/{vhost} imports and Verify restores. Vhost-scoped parameters are left out: a shovel or a federation upstream would connect to other brokers. */
export const RESTORED = ['queues', 'exchanges', 'bindings', 'policies'] as const;
export type RestoredCategory = (typeof RESTORED)[number];
export type VhostContent = Record<RestoredCategory, Json[]>;

/** Above this many objects the manifest keeps counts only (the names would make it as big as the backup). */
export const INDEX_LIMIT = 20_000;

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** A name as the result shows it: quoted, so spaces, quotes and an empty name stay visible. */
function quoted(v: unknown): string {
  return JSON.stringify(str(v));
}

/** Object keys in a stable order: the broker's order is not the file's. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Json)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

/** One object's identity in its vhost, as the differences name it. */
export function identity(category: RestoredCategory, x: Json): string {
  switch (category) {
    case 'queues':
      return `queue ${quoted(x['name'])}`;
    case 'exchanges':
      return `exchange ${quoted(x['name'])}`;
    case 'policies':
      return `policy ${quoted(x['name'])}`;
    case 'bindings': {
      const args = x['arguments'] && typeof x['arguments'] === 'object' && Object.keys(x['arguments']).length ? ` arguments ${canonical(x['arguments'])}` : '';
      return `binding ${str(x['source']) ? `exchange ${quoted(x['source'])}` : '(default exchange)'} → ${str(x['destination_type'])} ${quoted(x['destination'])} routing key ${quoted(x['routing_key'])}${args}`;
    }
  }
}

/** The fields compared: everything the export writes but the vhost (rewritten) and the identity's own fields. */
const IDENTITY_FIELDS: Record<RestoredCategory, readonly string[]> = {
  queues: ['name'],
  exchanges: ['name'],
  policies: ['name'],
  bindings: ['source', 'destination', 'destination_type', 'routing_key', 'arguments'],
};

/** The restorable objects of a full export, by the vhost they name; objects without one are counted apart. */
export function splitByVhost(defs: Json): { byVhost: Map<string, VhostContent>; withoutVhost: number } {
  const byVhost = new Map<string, VhostContent>();
  let withoutVhost = 0;
  for (const category of RESTORED) {
    const list = defs[category];
    if (!Array.isArray(list)) continue;
    for (const x of list as unknown[]) {
      if (!x || typeof x !== 'object') continue;
      const vhost = (x as Json)['vhost'];
      if (typeof vhost !== 'string') {
        withoutVhost++;
        continue;
      }
      let content = byVhost.get(vhost);
      if (!content) byVhost.set(vhost, (content = { queues: [], exchanges: [], bindings: [], policies: [] }));
      content[category].push(x as Json);
    }
  }
  return { byVhost, withoutVhost };
}

/** The body of POST /api/definitions/{vhost}: the vhost's objects with their vhost field rewritten to `into`. */
export function importBody(content: VhostContent, into: string, version: unknown): Json {
  const body: Json = typeof version === 'string' ? { rabbit_version: version } : {};
  for (const category of RESTORED) body[category] = content[category].map((x) => ({ ...x, vhost: into }));
  return body;
}

/** A vhost export (GET /api/definitions/{vhost}) as content; its items may or may not carry the vhost. */
export function vhostContent(exported: Json): VhostContent {
  const pick = (c: RestoredCategory): Json[] => (Array.isArray(exported[c]) ? (exported[c] as unknown[]).filter((x): x is Json => !!x && typeof x === 'object') : []);
  return { queues: pick('queues'), exchanges: pick('exchanges'), bindings: pick('bindings'), policies: pick('policies') };
}

function fieldsOf(category: RestoredCategory, x: Json): Map<string, string> {
  const skip = new Set(['vhost', ...IDENTITY_FIELDS[category]]);
  return new Map(Object.keys(x).filter((k) => !skip.has(k)).map((k) => [k, canonical(x[k])]));
}

/**
 * What differs between the backup's objects of one vhost and what the broker
 * holds after importing them into the throwaway vhost: objects missing or
 * extra, and each field that differs (type, durability, auto-delete,
 * internal, arguments, a policy's pattern, definition, priority, apply-to).
 */
export function compareVhost(vhost: string, backup: VhostContent, restored: VhostContent): string[] {
  const where = ` (vhost ${quoted(vhost)})`;
  const out: string[] = [];
  for (const category of RESTORED) {
    const have = new Map(restored[category].map((x) => [identity(category, x), x]));
    for (const x of backup[category]) {
      const id = identity(category, x);
      const back = have.get(id);
      have.delete(id);
      if (!back) {
        out.push(`${id}${where}: in the backup, missing after the restore`);
        continue;
      }
      const a = fieldsOf(category, x);
      const b = fieldsOf(category, back);
      for (const field of [...new Set([...a.keys(), ...b.keys()])].sort()) {
        const before = a.get(field);
        const after = b.get(field);
        if (before !== after) out.push(`${id}${where}: ${field} ${before ?? '(absent)'} in the backup, ${after ?? '(absent)'} restored`);
      }
    }
    for (const id of have.keys()) out.push(`${id}${where}: present after the restore, not in the backup`);
  }
  return out;
}

/** The manifest's index: per vhost, the identities of its restorable objects (undefined above INDEX_LIMIT objects). */
export function objectIndex(defs: Json): Record<string, string[]> | undefined {
  const { byVhost } = splitByVhost(defs);
  let total = 0;
  for (const c of byVhost.values()) total += RESTORED.reduce((n, k) => n + c[k].length, 0);
  if (total > INDEX_LIMIT) return undefined;
  const index: Record<string, string[]> = {};
  for (const [vhost, content] of byVhost) index[vhost] = RESTORED.flatMap((k) => content[k].map((x) => identity(k, x))).sort();
  return index;
}

/** How the file's objects differ from the index recorded at backup time (a file edited since). */
export function compareIndex(recorded: Record<string, string[]>, now: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const vhost of [...new Set([...Object.keys(recorded), ...Object.keys(now)])].sort()) {
    const a = new Set(recorded[vhost] ?? []);
    const b = new Set(now[vhost] ?? []);
    for (const id of a) if (!b.has(id)) out.push(`${id} (vhost ${quoted(vhost)}): in the backup at backup time, not in the file now`);
    for (const id of b) if (!a.has(id)) out.push(`${id} (vhost ${quoted(vhost)}): in the file now, not in the backup at backup time`);
  }
  return out;
}

/**
 * What reading alone can check of the parts Verify does not restore: each
 * user has a name and a password hash, and permissions, topic permissions,
 * parameters and every object name a user and a vhost the file lists.
 */
export function structuralProblems(defs: Json): string[] {
  const list = (k: string): Json[] => (Array.isArray(defs[k]) ? (defs[k] as unknown[]).filter((x): x is Json => !!x && typeof x === 'object') : []);
  const out: string[] = [];
  const users = new Set<string>();
  for (const u of list('users')) {
    if (typeof u['name'] !== 'string') out.push('a user without a name');
    else users.add(u['name']);
    if (typeof u['password_hash'] !== 'string') out.push(`user ${quoted(u['name'])}: no password hash`);
  }
  const vhosts = new Set(list('vhosts').map((v) => str(v['name'])));
  const hasVhosts = Array.isArray(defs['vhosts']);
  for (const k of ['permissions', 'topic_permissions']) {
    for (const p of list(k)) {
      const what = `${k === 'permissions' ? 'permissions' : 'topic permissions'} of ${quoted(p['user'])} on vhost ${quoted(p['vhost'])}`;
      if (Array.isArray(defs['users']) && !users.has(str(p['user']))) out.push(`${what}: the user is not in the file`);
      if (hasVhosts && !vhosts.has(str(p['vhost']))) out.push(`${what}: the vhost is not in the file`);
    }
  }
  if (hasVhosts) {
    for (const p of list('parameters')) if (!vhosts.has(str(p['vhost']))) out.push(`parameter ${quoted(p['component'])} ${quoted(p['name'])}: vhost ${quoted(p['vhost'])} is not in the file`);
    for (const [vhost, content] of splitByVhost(defs).byVhost) {
      if (vhosts.has(vhost)) continue;
      const n = RESTORED.reduce((a, k) => a + content[k].length, 0);
      out.push(`vhost ${quoted(vhost)}: ${n} object${n === 1 ? '' : 's'} name it, but it is not in the file's vhosts`);
    }
  }
  return out;
}
