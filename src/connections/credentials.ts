import * as os from 'node:os';
import type { ConnectionProfile } from '../core/connections/profile';
import {
  bindingOf, decideStoredSecret, describeBinding, describeSource, differences, passwordSourceOf, PasswordWithheld,
  type SecretBinding, sourceAllowed, sourceKey,
} from '../core/connections/credentials';
import type { KnownSecrets } from '../core/connections/redact';
import { engineModule } from '../core/engines';
import type { Logger } from '../core/log';
import type { SecretStore } from './secretStore';
import type { ProfileScope, ProfileStore } from './profileStore';

/** What a connection may send as its password. */
export type Credential =
  /** The engine takes no password. */
  | { kind: 'none' }
  | { kind: 'password'; password: string }
  /** Nothing to send; connecting without one may still work (trust auth), and `message` explains an auth failure. */
  | { kind: 'missing'; message: string }
  /** There is a password, but not for this place: do not connect. */
  | { kind: 'withheld'; error: PasswordWithheld };

/** What the "send the password here" question names. */
export interface AllowPlan {
  /** "the password stored for “Shop”". */
  what: string;
  /** Where it was saved for, when known. */
  from?: string;
  to: string;
  /** "host db.internal → 203.0.113.9"… */
  changes: string[];
}

/**
 * THE way to a password for connecting: ConnectionService asks this and
 * nothing else (test/unit/credentials.test.ts fails on other readers in src/).
 * A stored password comes back only for the place it was saved for; a
 * password from the environment or the password file only for a profile the
 * user wrote, or one they allowed. It never prompts: confirming is a command.
 */
export class CredentialResolver {
  private readonly warned = new Set<string>();
  /** The one-time recording of old secrets' places, started by the first password asked for (not at activation). */
  private migrated: Promise<void> | undefined;

  constructor(
    private readonly secrets: SecretStore,
    private readonly profiles: ProfileStore,
    private readonly known: KnownSecrets,
    private readonly log: Logger,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
    private readonly home: string = os.homedir(),
  ) {}

  private migration(): Promise<void> {
    this.migrated ??= this.migrateLegacy().catch((err: unknown) => this.log.warn(`Could not record where stored passwords belong: ${String(err)}`));
    return this.migrated;
  }

  async resolve(profile: ConnectionProfile, scope: ProfileScope): Promise<Credential> {
    await this.migration();
    const engine = engineModule(profile.engine);
    if (!engine.usesPassword) return { kind: 'none' };
    const source = passwordSourceOf(profile);
    if (source === 'secretStorage') return this.fromSecretStorage(profile);
    if (!sourceAllowed(profile, scope, await this.secrets.consent(profile.id))) {
      return withheld(
        `“${profile.name}” comes from the workspace's settings and asks for ${describeSource(profile)} to be sent to ${describeBinding(bindingOf(profile))}. ` +
          'Nothing was sent: right-click → Send Password to This Server… if you trust that server.',
      );
    }
    if (source === 'env') {
      const name = profile.passwordEnv ?? '';
      const value = Object.hasOwn(this.env, name) ? this.env[name] : undefined;
      if (typeof value !== 'string' || value === '') return { kind: 'missing', message: `“${profile.name}” takes its password from the environment variable ${name}, which is not set in the editor's environment.` };
      this.known.add(value);
      return { kind: 'password', password: value };
    }
    const file = engine.passwordFile;
    if (!file) return { kind: 'missing', message: `${engine.label} connections have no password file.` };
    const found = await file.lookup(profile, this.env, this.home);
    if (found.warning && !this.warned.has(found.warning)) {
      this.warned.add(found.warning);
      this.log.warn(`WARNING: ${found.warning}; it is ignored, as libpq does.`);
    }
    if (!found.password) {
      const why = found.warning ? `${found.warning}, so it is ignored` : `no line there matches ${found.searched}`;
      return { kind: 'missing', message: `“${profile.name}” takes its password from the ${file.label} ${found.file}, but ${why}.` };
    }
    this.known.add(found.password);
    return { kind: 'password', password: found.password };
  }

  /** What confirming would allow, or undefined when there is nothing to confirm. */
  async allowPlan(profile: ConnectionProfile, scope: ProfileScope): Promise<AllowPlan | undefined> {
    await this.migration();
    const to = describeBinding(bindingOf(profile));
    if (passwordSourceOf(profile) === 'secretStorage') {
      const stored = await this.secrets.read(profile.id);
      if (!stored) return undefined;
      const decision = decideStoredSecret(stored, profile, stored.boundTo ? undefined : this.profiles.inScope(profile.id, 'user'));
      if (decision.send) return undefined;
      const plan: AllowPlan = { what: `the password stored under the id of “${profile.name}”`, to, changes: decision.boundTo ? differences(decision.boundTo, profile) : [] };
      if (decision.boundTo) plan.from = describeBinding(decision.boundTo);
      return plan;
    }
    const consent = await this.secrets.consent(profile.id);
    if (sourceAllowed(profile, scope, consent)) return undefined;
    const plan: AllowPlan = { what: describeSource(profile), to, changes: consent && consent.source === sourceKey(profile) ? differences(consent.boundTo, profile) : [] };
    if (consent && consent.source === sourceKey(profile)) plan.from = describeBinding(consent.boundTo);
    return plan;
  }

  /** The user confirmed: the password (or the source) may now be sent to where the profile points. */
  async allow(profile: ConnectionProfile): Promise<SecretBinding> {
    const boundTo = bindingOf(profile);
    if (passwordSourceOf(profile) === 'secretStorage') await this.secrets.rebind(profile.id, boundTo);
    else await this.secrets.setConsent(profile.id, { source: sourceKey(profile), boundTo });
    this.log.info(`${profile.name}: its password may now be sent to ${describeBinding(boundTo)} (confirmed by the user).`);
    return boundTo;
  }

  /** Stores a password typed by the user, for the place the profile points at now. */
  async store(profile: ConnectionProfile, password: string | undefined): Promise<void> {
    await this.secrets.setPassword(profile.id, password, bindingOf(profile));
    this.known.add(password);
  }

  private async fromSecretStorage(profile: ConnectionProfile): Promise<Credential> {
    const stored = await this.secrets.read(profile.id);
    if (!stored) return { kind: 'missing', message: `“${profile.name}” needs a password: none is stored yet. Right-click → Set Password….` };
    this.known.add(stored.password);
    const decision = decideStoredSecret(stored, profile, stored.boundTo ? undefined : this.profiles.inScope(profile.id, 'user'));
    if (decision.send) return { kind: 'password', password: decision.password };
    const now = describeBinding(bindingOf(profile));
    if (!decision.boundTo) {
      return withheld(
        `The password stored under the id of “${profile.name}” was saved by an earlier Upkeep with no record of its server. ` +
          `Nothing was sent to ${now}: right-click → Send Password to This Server… if it belongs there.`,
      );
    }
    return withheld(
      `“${profile.name}” points at ${now}, but the password stored under its id belongs to ${describeBinding(decision.boundTo)} ` +
        `(${differences(decision.boundTo, profile).join(', ')}). Nothing was sent: right-click → Send Password to This Server… if you trust that server with it.`,
    );
  }

  /**
   * Passwords saved before places were recorded belong to the user-settings
   * profile with their id (see decideStoredSecret): record that place once,
   * before anything connects. Others stay without a place and ask first.
   */
  private async migrateLegacy(): Promise<void> {
    for (const profile of this.profiles.listScope('user')) {
      const stored = await this.secrets.read(profile.id);
      if (!stored || stored.boundTo) continue;
      const decision = decideStoredSecret(stored, profile, profile);
      if (decision.bind) {
        await this.secrets.setPassword(profile.id, stored.password, decision.bind);
        this.log.info(`${profile.name}: recorded that its stored password belongs to ${describeBinding(decision.bind)}.`);
      }
    }
  }
}

function withheld(message: string): Credential {
  return { kind: 'withheld', error: new PasswordWithheld(message, 'password-elsewhere') };
}
