import * as vscode from 'vscode';
import {
  type ConnectionProfile, DEFAULT_CONNECT_TIMEOUT_MS, describeTarget, type Engine,
  engineLabel, ENGINES, newProfileId, type PasswordSource, type TlsMode, usesPassword, validateProfile, validEnvName,
} from '../core/connections/profile';
import { engineModule } from '../core/engines';
import { looksLikeConnectionUrl, parseConnectionUrl, type ParsedConnectionUrl } from '../core/connections/url';
import { Cancelled } from '../core/errors';
import type { ProfileScope } from './profileStore';

/** What the add/edit flow produces: a profile, where to save it, and the password (undefined = keep/none). */
export interface WizardResult {
  profile: ConnectionProfile;
  scope: ProfileScope;
  password: string | undefined;
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

export async function pickEngine(): Promise<Engine> {
  const picked = await vscode.window.showQuickPick(
    ENGINES.map((e) => ({ label: engineLabel(e), engine: e })),
    { title: 'Add connection', placeHolder: 'Which kind of server?' },
  );
  return required(picked).engine;
}

/**
 * The add/edit flow: a pasted URL fills everything it can, otherwise one box
 * per field. Editing starts from the existing values; an empty password box
 * keeps the stored password.
 */
export async function runConnectionWizard(engine: Engine, existing?: { profile: ConnectionProfile; scope: ProfileScope }): Promise<WizardResult> {
  const title = existing ? `Edit ${existing.profile.name}` : `Add ${engineLabel(engine)} connection`;
  const base: Partial<ConnectionProfile> = existing ? { ...existing.profile } : { engine, tls: 'disable', connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS };
  let password: string | undefined;

  const urlText = required(
    await vscode.window.showInputBox({
      title,
      prompt: existing ? 'Paste a new URL, or press Enter to edit the fields one by one' : 'Paste a connection URL, or press Enter to fill in the fields one by one',
      placeHolder: engineModule(engine).urlExample,
      ignoreFocusOut: true,
      validateInput: (v) => validateUrlInput(v, engine),
    }),
  ).trim();

  let fromUrl: ParsedConnectionUrl | undefined;
  if (urlText) {
    fromUrl = parseConnectionUrl(urlText, process.env, engine);
    Object.assign(base, fromUrl.fields);
    password = fromUrl.password;
  } else {
    await askFields(engine, base, title);
  }

  if (fromUrl?.password !== undefined) {
    // A password in the URL goes to secret storage, whatever the profile read before.
    delete base.passwordSource;
    delete base.passwordEnv;
  } else if (usesPassword(engine)) {
    await askPasswordSource(engine, base, title);
  }

  if (usesPassword(engine) && password === undefined && !base.passwordSource) {
    const answer = required(
      await vscode.window.showInputBox({
        title,
        prompt: existing ? 'Password (leave empty to keep the stored one)' : `Password for ${base.user ?? 'the server'} (stored in the editor's secret storage, never in settings)`,
        password: true,
        ignoreFocusOut: true,
      }),
    );
    password = answer === '' ? undefined : answer;
  }

  if (!fromUrl && engineModule(engine).asksTls) base.tls = await askTls(title, base.tls ?? 'disable');

  const name = required(
    await vscode.window.showInputBox({
      title,
      prompt: 'Name shown in the Upkeep view',
      value: existing?.profile.name ?? defaultName(base as ConnectionProfile),
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Give the connection a name.'),
    }),
  ).trim();

  const flags = required(
    await vscode.window.showQuickPick(
      [
        { label: '$(flame) Production', description: 'blocking and destructive actions need the object name typed', flag: 'production' as const, picked: base.production === true },
        { label: '$(lock) Read-only', description: 'maintenance actions are refused before anything is sent', flag: 'readOnly' as const, picked: base.readOnly === true },
      ],
      { title, placeHolder: 'Safety flags (select none for an ordinary connection)', canPickMany: true, ignoreFocusOut: true },
    ),
  );

  const scope = await askScope(title, existing?.scope);
  const profile: ConnectionProfile = {
    ...(base as ConnectionProfile),
    id: existing?.profile.id ?? newProfileId(),
    engine,
    name,
    production: flags.some((f) => f.flag === 'production'),
    readOnly: flags.some((f) => f.flag === 'readOnly'),
    connectTimeoutMs: base.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
  const problems = validateProfile(profile);
  if (problems.length) throw new Error(problems.join(' '));
  return { profile, scope, password };
}

function validateUrlInput(value: string, engine: Engine): string | undefined {
  const text = value.trim();
  if (!text) return undefined;
  if (!looksLikeConnectionUrl(text)) return `Not a URL: ${engineModule(engine).urlExample}`;
  try {
    const parsed = parseConnectionUrl(text, process.env, engine);
    if (parsed.fields.engine !== engine) return `That is a ${engineLabel(parsed.fields.engine)} URL; this connection is ${engineLabel(engine)}.`;
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function askFields(engine: Engine, base: Partial<ConnectionProfile>, title: string): Promise<void> {
  const ask = async (prompt: string, value: string | undefined, validate?: (v: string) => string | undefined): Promise<string> =>
    required(await vscode.window.showInputBox({ title, prompt, value: value ?? '', ignoreFocusOut: true, validateInput: validate })).trim();

  const module = engineModule(engine);
  if (module.socket) {
    const where = await ask(module.socket.prompt, base.socketPath ?? (base.host ? `${base.host}:${base.port ?? module.defaultPort}` : module.socket.defaultPath));
    if (where.startsWith('/')) {
      base.socketPath = where;
      delete base.host;
      delete base.port;
    } else {
      const [host, port] = where.split(':');
      base.host = host;
      base.port = port ? Number(port) : module.defaultPort;
      delete base.socketPath;
    }
    return;
  }
  base.host = await ask('Host', base.host ?? 'localhost', (v) => (v.trim() ? undefined : 'Enter a host name or address.'));
  const port = await ask('Port', String(base.port ?? module.defaultPort), (v) => (/^\d+$/.test(v.trim()) && Number(v) < 65536 && Number(v) > 0 ? undefined : 'A port is a number from 1 to 65535.'));
  base.port = Number(port);
  for (const field of module.fields) base[field.key] = (await ask(field.prompt, base[field.key] ?? field.default, field.validate)) || undefined;
  if (!module.fields.some((f) => f.key === 'user')) base.user = (await ask('User', base.user ?? module.defaultUser ?? '')) || undefined;
}

/** Where the password comes from: secret storage (asked next), the engine's password file, or an environment variable. */
async function askPasswordSource(engine: Engine, base: Partial<ConnectionProfile>, title: string): Promise<void> {
  const file = engineModule(engine).passwordFile;
  const current = base.passwordSource ?? 'secretStorage';
  const items: { label: string; description: string; source: PasswordSource }[] = [
    { label: "Editor's secret storage", description: 'type it once; kept encrypted by the editor', source: 'secretStorage' },
    ...(file ? [{ label: `${engineLabel(engine)} ${file.label}`, description: file.hint, source: 'pgpass' as const }] : []),
    { label: 'Environment variable', description: "a variable of the editor's environment, read when connecting", source: 'env' },
  ];
  const picked = required(
    await vscode.window.showQuickPick(
      items.map((i) => ({ ...i, picked: i.source === current })).sort((a) => (a.source === current ? -1 : 0)),
      { title, placeHolder: 'Where does the password come from?', ignoreFocusOut: true },
    ),
  );
  if (picked.source === 'secretStorage') {
    delete base.passwordSource;
    delete base.passwordEnv;
    return;
  }
  base.passwordSource = picked.source;
  if (picked.source === 'env') {
    base.passwordEnv = required(
      await vscode.window.showInputBox({
        title,
        prompt: 'Name of the environment variable that holds the password (its value is never shown, logged or saved)',
        value: base.passwordEnv ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => (validEnvName(v.trim()) ? undefined : 'Letters, digits and _, not starting with a digit.'),
      }),
    ).trim();
  } else {
    delete base.passwordEnv;
  }
}

async function askTls(title: string, current: TlsMode): Promise<TlsMode> {
  const items: { label: string; description: string; mode: TlsMode }[] = [
    { label: 'No TLS', description: 'plain connection', mode: 'disable' },
    { label: 'TLS', description: 'encrypted, certificate not verified', mode: 'require' },
    { label: 'TLS, verified', description: 'encrypted, certificate must be trusted', mode: 'verify' },
  ];
  const picked = await vscode.window.showQuickPick(
    items.map((i) => ({ ...i, picked: i.mode === current })),
    { title, placeHolder: `TLS (now: ${current})`, ignoreFocusOut: true },
  );
  return required(picked).mode;
}

async function askScope(title: string, current?: ProfileScope): Promise<ProfileScope> {
  if (!vscode.workspace.workspaceFolders?.length) return 'user';
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'User settings', description: 'only you, in every workspace', scope: 'user' as const },
      { label: 'Workspace settings', description: 'shared with the team in .vscode/settings.json (no password)', scope: 'workspace' as const },
    ].sort((a) => (a.scope === current ? -1 : 0)),
    { title, placeHolder: 'Where should the connection be saved?', ignoreFocusOut: true },
  );
  return required(picked).scope;
}

export function defaultName(p: ConnectionProfile): string {
  return engineModule(p.engine).defaultName?.(p) ?? describeTarget({ ...p, user: undefined });
}
