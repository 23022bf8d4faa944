/**
 * `npm test`: lint, type check, then the four mocha tiers — unit, integration
 * (real servers), extension (inside code-server's extension host) and e2e
 * (the packaged .vsix driven through the workbench in Chromium). Starts and
 * stops the test services itself. Ends with one count line per tier.
 *
 * `node out/test/run.js unit integration` runs just those tiers.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describeServices, startServices, type Services } from './services/index';
import { runExtensionTests } from './extension/runCodeServer';

const ROOT = path.resolve(__dirname, '../..');
const ALL = ['lint', 'typecheck', 'unit', 'integration', 'extension', 'e2e'] as const;
type Tier = (typeof ALL)[number];
const NEEDS_SERVICES: readonly Tier[] = ['integration', 'extension', 'e2e'];

interface TierResult {
  tier: Tier;
  ok: boolean;
  passed?: number;
  failed?: number;
  pending?: number;
  note?: string;
}

/** Runs a command with inherited output, and also keeps the output to read mocha's counts from it. */
function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function mochaCounts(output: string): { passed: number; failed: number; pending: number } {
  const n = (re: RegExp): number => Number(re.exec(output)?.[1] ?? 0);
  return { passed: n(/^\s*(\d+) passing/m), failed: n(/^\s*(\d+) failing/m), pending: n(/^\s*(\d+) pending/m) };
}

async function mochaTier(tier: Tier, spec: string, extra: string[], env: NodeJS.ProcessEnv = {}): Promise<TierResult> {
  const mocha = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const { code, output } = await runTool(process.execPath, [mocha, '--reporter', 'spec', '--no-color', ...extra, spec], env);
  const counts = mochaCounts(output);
  const ran = counts.passed + counts.failed > 0;
  return { tier, ok: code === 0 && ran, ...counts, note: ran ? undefined : 'no test ran' };
}

function banner(text: string): void {
  console.log(`\n━━━ ${text} ${'━'.repeat(Math.max(3, 70 - text.length))}`);
}

async function runTier(tier: Tier, services: Services | undefined): Promise<TierResult> {
  const env = services ? { UPKEEP_SERVICES_FILE: services.file } : {};
  switch (tier) {
    case 'lint': {
      const { code } = await runTool(process.execPath, [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.', '--max-warnings', '0']);
      return { tier, ok: code === 0, note: code === 0 ? 'no errors, no warnings' : 'see above' };
    }
    case 'typecheck': {
      const { code } = await runTool(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--noEmit']);
      return { tier, ok: code === 0, note: code === 0 ? 'tsc --noEmit clean' : 'see above' };
    }
    case 'unit':
      return mochaTier(tier, 'out/test/unit/**/*.test.js', ['--timeout', '20000']);
    case 'integration':
      return mochaTier(tier, 'out/test/integration/**/*.test.js', ['--timeout', '60000', '--require', 'out/test/integration/hooks.js'], env);
    case 'extension': {
      const r = await runExtensionTests();
      console.log(`\n  ${r.passes} passing (${Math.round(r.durationMs / 1000)}s)`);
      if (r.pending) console.log(`  ${r.pending} pending`);
      if (r.failures) console.log(`  ${r.failures} failing`);
      const ran = r.passes + r.failures > 0;
      return { tier, ok: r.failures === 0 && ran, passed: r.passes, failed: r.failures, pending: r.pending, note: ran ? undefined : r.error ?? 'no test ran' };
    }
    case 'e2e': {
      const pkg = await runTool(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs')]);
      if (pkg.code !== 0) return { tier, ok: false, note: 'npm run package failed' };
      return mochaTier(tier, 'out/test/e2e/**/*.test.js', ['--timeout', '180000'], env);
    }
  }
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2) as Tier[];
  const unknown = asked.filter((t) => !(ALL as readonly string[]).includes(t));
  if (unknown.length) throw new Error(`unknown tier(s) ${unknown.join(', ')}: use ${ALL.join(', ')}`);
  const tiers = asked.length ? ALL.filter((t) => asked.includes(t)) : [...ALL];
  const results: TierResult[] = [];
  let services: Services | undefined;
  let servicesError: string | undefined;
  try {
    for (const tier of tiers) {
      if (NEEDS_SERVICES.includes(tier) && !services && !servicesError) {
        banner('services');
        try {
          services = await startServices();
          console.log(describeServices(services.info));
        } catch (err) {
          servicesError = err instanceof Error ? err.message : String(err);
          console.error(servicesError);
        }
      }
      banner(tier);
      if (NEEDS_SERVICES.includes(tier) && !services) {
        results.push({ tier, ok: false, failed: 1, passed: 0, note: `not run: ${servicesError ?? 'services unavailable'}` });
        continue;
      }
      try {
        results.push(await runTier(tier, services));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        console.error(`${tier}: ${message}`);
        results.push({ tier, ok: false, failed: 1, passed: 0, note: message.split('\n')[0] });
      }
    }
  } finally {
    if (services) {
      banner('stopping services');
      await services.stop();
    }
  }

  banner('summary');
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    if (r.note) console.log(`  ${r.tier}: ${r.ok ? 'ok' : 'FAILED'} (${r.note})`);
    if (r.passed !== undefined) {
      passed += r.passed;
      failed += r.failed ?? 0;
    }
  }
  for (const r of results) {
    if (r.passed !== undefined) console.log(`${r.tier}: ${r.passed} passed, ${r.failed ?? 0} failed${r.pending ? `, ${r.pending} skipped` : ''}`);
  }
  console.log(`total: ${passed} passed, ${failed} failed`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
