import * as fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { MissingToolError } from '../services/util';

export const CHROMIUM = process.env['UPKEEP_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Headless Debian Chromium driven by playwright-core (never a downloaded
 * browser). The flags keep it from reaching for the network at start.
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new MissingToolError('Chromium', 'apt-get install -y chromium (or set UPKEEP_CHROMIUM)');
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
}
