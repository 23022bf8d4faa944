/**
 * Schema and administration commands (CREATE / DROP of indexes, constraints,
 * databases, users, roles; ALTER, GRANT, DENY, REVOKE…) as the risk rules
 * see them. Security changes do not touch data but can lock people and
 * programs out, so they are judged by what they take away: dropping or
 * replacing an account, role or database is destructive; changing a
 * password, suspending, denying or revoking is blocking (clients that relied
 * on it are refused); granting and creating only widen access, a write that
 * is asked about on production.
 */
import { isPunct, kw, nameAt, type Token } from './cypherTokens';
import type { Verdict } from './cypherVerdict';

export const SCHEMA_INDEX_KINDS = new Set(['RANGE', 'TEXT', 'POINT', 'LOOKUP', 'FULLTEXT', 'VECTOR', 'BTREE']);
/** Objects CREATE and DROP can name in schema and administration commands. */
const ADMIN_OBJECTS = new Set(['INDEX', 'CONSTRAINT', 'DATABASE', 'ALIAS', 'USER', 'ROLE', 'SERVER']);
/** Statements that start with these are administration commands: they write and EXPLAIN cannot prefix them. */
export const ADMIN_COMMANDS = new Set(['ALTER', 'GRANT', 'DENY', 'REVOKE', 'RENAME', 'START', 'STOP', 'ENABLE', 'DEALLOCATE', 'REALLOCATE', 'DRYRUN', 'TERMINATE']);

export interface AdminObject {
  kind: string;
  name?: string;
  /** CREATE OR REPLACE: an existing object of that name is dropped first. */
  replace?: boolean;
}

/** A schema or administration object after CREATE / DROP at `i`: its kind and name. */
export function adminObject(tokens: Token[], i: number): (AdminObject & { next: number }) | undefined {
  let j = i;
  const replace = kw(tokens, j) === 'OR' && kw(tokens, j + 1) === 'REPLACE';
  if (replace) j += 2;
  let kind = kw(tokens, j);
  if (SCHEMA_INDEX_KINDS.has(kind) && kw(tokens, j + 1) === 'INDEX') {
    kind = 'INDEX';
    j++;
  } else if (kind === 'COMPOSITE' && kw(tokens, j + 1) === 'DATABASE') {
    kind = 'DATABASE';
    j++;
  }
  if (!ADMIN_OBJECTS.has(kind)) return undefined;
  const name = nameAt(tokens, j + 1);
  return { kind: kind.toLowerCase(), ...(name ? { name } : {}), ...(replace ? { replace } : {}), next: j + 1 };
}

const OBJECT_DROPS: Record<string, (name: string) => string> = {
  index: (n) => `Drops index ${n}: queries that use it fall back to scans until it is created again.`,
  constraint: (n) => `Drops constraint ${n}: the data is no longer checked against it (an index it owns goes too).`,
  database: (n) => `Drops database ${n} and all of its data.`,
  user: (n) => `Drops user ${n}: it can no longer log in, and its roles and home database are forgotten.`,
  role: (n) => `Drops role ${n} and its privileges: every user who had it loses what it granted.`,
  alias: (n) => `Drops alias ${n}: queries that name it fail.`,
  server: (n) => `Drops server ${n} from the cluster.`,
};

export function dropReason(kind: string, name: string | undefined): string {
  const n = name ?? `the ${kind}`;
  return OBJECT_DROPS[kind]?.(n) ?? `Drops ${kind === 'object' ? 'a schema or administration object' : `${kind} ${name ?? ''}`.trim()}.`;
}

const REPLACES: Record<string, (name: string) => string> = {
  database: (n) => `CREATE OR REPLACE DATABASE drops database ${n} and all of its data when it exists, then creates an empty one.`,
  user: (n) => `CREATE OR REPLACE USER drops user ${n} when it exists: its password, status, roles and home database are lost.`,
  role: (n) => `CREATE OR REPLACE ROLE drops role ${n} when it exists: its privileges and the users given it are lost.`,
  alias: (n) => `CREATE OR REPLACE ALIAS points ${n} somewhere new: queries through it reach another database.`,
};

/** CREATE of a schema or administration object. */
export function judgeCreate(obj: AdminObject, v: Verdict): void {
  const { kind, name } = obj;
  const named = name ? `${kind} ${name}` : `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
  if (obj.replace) {
    const replaced = REPLACES[kind]?.(name ?? `the ${kind}`) ?? `CREATE OR REPLACE drops the existing ${named} first.`;
    v.add(kind === 'alias' ? 'blocking' : 'destructive', replaced);
    return;
  }
  if (kind === 'index') v.add('safe', `Creates ${named}; it is populated in the background after the statement returns.`);
  else if (kind === 'constraint') v.add('safe', `Creates ${named}; it fails if existing data breaks it.`);
  else if (kind === 'user' || kind === 'role') {
    v.add('safe', `Creates ${named}: a security change that widens who may do what on the server.`);
    v.asksOnProduction = true;
  } else v.add('safe', `Creates ${named}.`);
}

/** An administration command (ALTER, GRANT, DENY, REVOKE, RENAME, START, STOP…) starting at `start`. */
export function judgeAdminCommand(tokens: Token[], start: number, first: string, v: Verdict): void {
  const second = kw(tokens, start + 1);
  const name = nameAt(tokens, start + 2);
  v.asksOnProduction = true;
  switch (first) {
    case 'STOP':
      if (second === 'DATABASE') v.add('blocking', `Stops database ${name ?? ''}`.trimEnd() + ': it refuses every query until it is started again.');
      else v.add('safe', 'STOP is an administration command: it changes the server\'s configuration.');
      return;
    case 'ALTER':
      return judgeAlter(tokens, start, second, name, v);
    case 'RENAME':
      v.add('blocking', `Renames ${second.toLowerCase()} ${name ?? ''}: clients and scripts that use the old name are refused.`.replace(' :', ':'));
      return;
    case 'GRANT':
      if (second === 'ROLE' || second === 'ROLES') v.add('safe', `GRANT ROLE gives ${name ?? 'a role'} to users: a security change that widens what they may do.`);
      else v.add('safe', `GRANT ${privilegeWords(tokens, start + 1)}: a security change that widens what a role may do.`);
      return;
    case 'DENY':
      v.add('blocking', `DENY ${privilegeWords(tokens, start + 1)}: users of the role are refused it from now on, whatever else grants it.`);
      return;
    case 'REVOKE':
      if (second === 'ROLE' || second === 'ROLES') v.add('blocking', `REVOKE ROLE takes ${name ?? 'a role'} from users: what it granted them is refused from now on.`);
      else v.add('blocking', `REVOKE ${privilegeWords(tokens, start + 1)}: users of the role lose it; their queries that need it are refused.`);
      return;
    case 'TERMINATE':
      return;
    default:
      v.add('safe', `${first} is an administration command: it changes the server's configuration.`);
  }
}

function judgeAlter(tokens: Token[], start: number, second: string, name: string | undefined, v: Verdict): void {
  const setsPassword = tokens.some((t, i) => kw(tokens, i) === 'PASSWORD' && i > start);
  if (second === 'CURRENT') {
    v.add('blocking', 'Changes your own password: connections saved with the old one are refused until they are given the new one.');
  } else if (second === 'USER') {
    const suspends = tokens.some((t, i) => kw(tokens, i) === 'SUSPENDED');
    if (suspends) v.add('blocking', `Suspends user ${name ?? ''}: it can no longer log in.`);
    if (setsPassword) v.add('blocking', `Changes the password of user ${name ?? ''}: clients that log in with the old one are refused.`);
    if (!suspends && !setsPassword) v.add('blocking', `Changes user ${name ?? ''} (status, home database or auth): its clients may be refused or land elsewhere.`);
  } else if (second === 'DATABASE') {
    const readOnly = tokens.some((t, i) => kw(tokens, i) === 'ACCESS' && kw(tokens, i + 2) === 'ONLY' && kw(tokens, i + 1) === 'READ');
    v.add('blocking', readOnly ? `Makes database ${name ?? ''} read-only: every write to it is refused.` : `Changes database ${name ?? ''} (access, topology or options): its clients may be refused while it applies.`);
  } else {
    v.add('safe', 'ALTER is an administration command: it changes the server\'s configuration.');
  }
}

/** "ACCESS ON DATABASE x TO role" → the privilege words up to TO / FROM, for the reason. */
function privilegeWords(tokens: Token[], from: number): string {
  const words: string[] = [];
  for (let i = from; i < tokens.length && words.length < 12; i++) {
    const t = tokens[i];
    if (!t || isPunct(t, ';')) break;
    words.push(t.kind === 'ident' ? `\`${t.text}\`` : t.kind === 'string' ? `'${t.text}'` : t.text);
    const k = kw(tokens, i);
    if (k === 'TO' || k === 'FROM') {
      const who = nameAt(tokens, i + 1);
      if (who) words.push(who);
      break;
    }
  }
  return words.join(' ').replace(/ ([.,)])/g, '$1').replace(/\( /g, '(');
}
