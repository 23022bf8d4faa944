import type * as vscode from 'vscode';

/**
 * The only place a password is kept: the editor's SecretStorage, keyed by
 * profile id. Nothing here logs a value.
 */
export class SecretStore {
  constructor(private readonly storage: vscode.SecretStorage) {}

  private key(profileId: string): string {
    return `upkeep.password.${profileId}`;
  }

  getPassword(profileId: string): Thenable<string | undefined> {
    return this.storage.get(this.key(profileId));
  }

  async setPassword(profileId: string, password: string | undefined): Promise<void> {
    if (password === undefined || password === '') await this.storage.delete(this.key(profileId));
    else await this.storage.store(this.key(profileId), password);
  }

  deletePassword(profileId: string): Thenable<void> {
    return this.storage.delete(this.key(profileId));
  }

  onDidChange(listener: (profileId: string) => void): vscode.Disposable {
    return this.storage.onDidChange((e) => {
      if (e.key.startsWith('upkeep.password.')) listener(e.key.slice('upkeep.password.'.length));
    });
  }
}
