// Builds the minified bundle and the .vsix, then prints where it is and how big.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${pkg.name}-${pkg.version}.vsix`;
execFileSync(process.execPath, ['scripts/build.mjs', '--production'], { stdio: 'inherit' });
execFileSync(process.execPath, [
  'node_modules/@vscode/vsce/vsce', 'package', '--out', out, '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository',
], { stdio: ['ignore', 'inherit', 'inherit'] });
const bytes = statSync(out).size;
console.log(`Packaged ${out}: ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes)`);
