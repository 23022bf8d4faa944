/**
 * Settings without the editor: a VS Code / code-server `settings.json` (or an
 * `upkeep.json` with the same keys) read as JSON with comments and trailing
 * commas, and a SettingsReader over it that answers the engines' report and
 * health code exactly as the editor's configuration would.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { SettingsReader } from '../core/engine';

/**
 * JSON with comments (`//`, `/* … *\/`) and trailing commas, as VS Code writes
 * its settings. Errors name the line and what was expected, never the text
 * around it (a settings file may hold what should not be echoed).
 */
export function parseJsonc(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`not valid JSON at line ${text.slice(0, i).split('\n').length}: ${what}`);
  };
  const skip = (): void => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i] ?? '')) i++;
      if (text.startsWith('//', i)) {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) fail('a comment is never closed');
        i = end + 2;
      } else return;
    }
  };
  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      for (;;) {
        skip();
        if (text[i] === '}') break;
        if (text[i] !== '"') fail('expected a "key" or }');
        const key = string();
        skip();
        if (text[i] !== ':') fail(`expected : after "${key}"`);
        i++;
        // defineProperty: a key "__proto__" is data, as in JSON.parse.
        Object.defineProperty(out, key, { value: value(), enumerable: true, writable: true, configurable: true });
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail('expected , or }');
      }
      i++;
      return out;
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      for (;;) {
        skip();
        if (text[i] === ']') break;
        out.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') fail('expected , or ]');
      }
      i++;
      return out;
    }
    if (c === '"') return string();
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) return fail(i >= text.length ? 'the text ends too early' : 'expected a value');
    i += m[0].length;
    return JSON.parse(m[0]) as unknown;
  };
  const string = (): string => {
    // eslint-disable-next-line no-control-regex -- JSON strings may not hold raw control characters
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    if (!m) return fail('a string is not closed or has a bad escape');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const result = value();
  skip();
  if (i < text.length) fail('more text after the end');
  return result;
}

/**
 * A reader over one settings object. Keys are looked up as VS Code stores
 * them (flat: `"upkeep.reports.bloatPercent": 30`) and, for hand-written
 * `upkeep.json` files, nested (`{ "upkeep": { "reports": { … } } }`). A value
 * of another type than the fallback counts as unset, as the editor's schema
 * would reject it.
 */
export function settingsReader(settings: Readonly<Record<string, unknown>>): SettingsReader {
  return {
    get<T>(key: string, fallback: T): T {
      const value = lookup(settings, key);
      return value !== undefined && sameType(value, fallback) ? (value as T) : fallback;
    },
  };
}

/** The value of a dotted key, flat or nested (the longest flat prefix wins, as with VS Code's own merge of both shapes). */
export function lookup(settings: Readonly<Record<string, unknown>>, key: string): unknown {
  if (Object.hasOwn(settings, key)) return settings[key];
  const parts = key.split('.');
  for (let k = parts.length - 1; k >= 1; k--) {
    const head = parts.slice(0, k).join('.');
    const inner = Object.hasOwn(settings, head) ? settings[head] : undefined;
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
      const found = lookup(inner as Record<string, unknown>, parts.slice(k).join('.'));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function sameType(value: unknown, fallback: unknown): boolean {
  if (fallback === undefined || fallback === null) return true;
  if (Array.isArray(fallback)) return Array.isArray(value);
  if (typeof fallback === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return typeof value === typeof fallback;
}

/**
 * Where the editors keep the user's settings, in the order they are tried:
 * VS Code (Linux, macOS, Windows), then code-server, then VS Code Insiders
 * and VSCodium.
 */
export function userSettingsCandidates(env: Readonly<Record<string, string | undefined>>, home: string = os.homedir(), platform: NodeJS.Platform = process.platform): string[] {
  const config = env['XDG_CONFIG_HOME'] || path.join(home, '.config');
  const data = env['XDG_DATA_HOME'] || path.join(home, '.local', 'share');
  const editors = ['Code', 'Code - Insiders', 'VSCodium'];
  const roots = platform === 'darwin'
    ? [path.join(home, 'Library', 'Application Support')]
    : platform === 'win32' ? [env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming')] : [config];
  const first = roots.map((r) => path.join(r, 'Code', 'User', 'settings.json'));
  const codeServer = path.join(data, 'code-server', 'User', 'settings.json');
  const others = roots.flatMap((r) => editors.slice(1).map((e) => path.join(r, e, 'User', 'settings.json')));
  return [...first, codeServer, ...others];
}
