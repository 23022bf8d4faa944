import type * as vscode from 'vscode';
import {
  parseConsent, parseStoredCredential, type SecretBinding, type SourceConsent, type StoredCredential,
} from '../core/connections/credentials';

const CREDENTIAL = 'upkeep.credential.';
const CONSENT = 'upkeep.consent.';
/** Where Upkeep before 0.2 kept a bare password, with no place recorded; read once and moved. */
const LEGACY = 'upkeep.password.';

/**
 * The editor's SecretStorage, keyed by profile id: each password with the
 * place it may be sent to (core/connections/credentials.ts), and the user's
 * yes to sending a password from the environment or the password file to a
 * workspace-defined connection. Nothing here logs a value, and nothing here
 * decides whether a password is sent: connections/credentials.ts does.
 */
export class SecretStore {
  /** What this window last wrote under each key (undefined: deleted), to tell its own changes from other windows'. */
  private readonly written = new Map<string, string | undefined>();

  constructor(private readonly storage: vscode.SecretStorage) {}

  private async put(key: string, value: string | undefined): Promise<void> {
    this.written.set(key, value);
    if (value === undefined) await this.storage.delete(key);
    else await this.storage.store(key, value);
  }

  /** The stored password and its place; a bare password from an earlier Upkeep comes back without a place. */
  async read(profileId: string): Promise<StoredCredential | undefined> {
    const record = parseStoredCredential(await this.storage.get(CREDENTIAL + profileId));
    if (record) return record;
    const legacy = await this.storage.get(LEGACY + profileId);
    return legacy ? { password: legacy } : undefined;
  }

  /** Stores a password for the place it may be sent to (empty or undefined deletes it). */
  async setPassword(profileId: string, password: string | undefined, boundTo: SecretBinding): Promise<void> {
    if (password === undefined || password === '') await this.deletePassword(profileId);
    else {
      await this.put(CREDENTIAL + profileId, JSON.stringify({ password, boundTo } satisfies StoredCredential));
      if ((await this.storage.get(LEGACY + profileId)) !== undefined) await this.put(LEGACY + profileId, undefined);
    }
  }

  /** Records a new place for the stored password (the user confirmed it, or an old secret is given its owner's). */
  async rebind(profileId: string, boundTo: SecretBinding): Promise<void> {
    const current = await this.read(profileId);
    if (current) await this.setPassword(profileId, current.password, boundTo);
  }

  /**
   * The stored password as is, whatever place it belongs to. For tests only:
   * connecting goes through CredentialResolver (test/unit/credentials.test.ts
   * fails on any other caller in src/).
   */
  async getPassword(profileId: string): Promise<string | undefined> {
    return (await this.read(profileId))?.password;
  }

  async consent(profileId: string): Promise<SourceConsent | undefined> {
    return parseConsent(await this.storage.get(CONSENT + profileId));
  }

  async setConsent(profileId: string, consent: SourceConsent): Promise<void> {
    await this.put(CONSENT + profileId, JSON.stringify(consent));
  }

  async deletePassword(profileId: string): Promise<void> {
    await this.put(CREDENTIAL + profileId, undefined);
    await this.put(LEGACY + profileId, undefined);
  }

  /** Everything kept for a profile (its removal). */
  async deleteAll(profileId: string): Promise<void> {
    await this.deletePassword(profileId);
    await this.put(CONSENT + profileId, undefined);
  }

  /**
   * A profile's secrets changed in another window (secret storage is shared).
   * This window's own writes are not reported: whoever wrote acts on it at
   * once (drops the session, checks again), and a late echo of the event
   * would only wipe the status that check found.
   */
  onDidChange(listener: (profileId: string) => void): vscode.Disposable {
    return this.storage.onDidChange((e) => {
      const prefix = [CREDENTIAL, CONSENT, LEGACY].find((p) => e.key.startsWith(p));
      if (!prefix) return;
      const notify = (): void => listener(e.key.slice(prefix.length));
      if (!this.written.has(e.key)) return notify();
      void Promise.resolve(this.storage.get(e.key)).then((now) => {
        if (now !== this.written.get(e.key)) notify();
      }, notify);
    });
  }
}
