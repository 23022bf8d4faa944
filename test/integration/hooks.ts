// Mocha root hooks for the integration tier: servers up before the first test, down after the last.
import { ensureServices, stopOwnServices } from './services';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(300_000);
    await ensureServices();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await stopOwnServices();
  },
};
