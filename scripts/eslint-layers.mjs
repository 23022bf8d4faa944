// Local ESLint rule `upkeep/layers`: imports between the folders of src/ only go down.
//   extension.ts → contributions → editor / commands → webviews / views → app → connections → core
// chunks/ (lazily loaded entry modules) may import anything but extension.ts; cli/ only core.
// Relative specifiers are resolved against the importing file; package imports are not checked
// here. Type-only imports are checked too: they couple the layers all the same.
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');

const ALL_FOLDERS = ['core', 'connections', 'app', 'views', 'webviews', 'editor', 'commands', 'contributions', 'chunks', 'cli'];

/**
 * What each layer may import. Keys are folders directly under src/, plus `extension`
 * for src/extension.ts. A layer not listed here is reported, so a new folder cannot slip by.
 * @type {Readonly<Record<string, readonly string[]>>}
 */
export const LAYERS = Object.freeze({
  core: ['core'],
  connections: ['connections', 'core'],
  app: ['app', 'connections', 'core'],
  views: ['views', 'app', 'connections', 'core'],
  webviews: ['webviews', 'app', 'connections', 'core'],
  editor: ['editor', 'webviews', 'app', 'connections', 'core'],
  commands: ['commands', 'views', 'webviews', 'app', 'connections', 'core'],
  // What extension.ts registers, one file per part of the product (their code loads as chunks at first use).
  contributions: ['contributions', 'editor', 'commands', 'views', 'webviews', 'app', 'connections', 'core'],
  chunks: [...ALL_FOLDERS],
  cli: ['cli', 'core'],
  extension: ['extension', ...ALL_FOLDERS],
});

/** Folders next to src/ whose code never ships in the extension bundle. */
export const FORBIDDEN_OUTSIDE = Object.freeze(['test', 'scripts', 'media']);

const ORDER = 'extension → contributions → editor/commands/webviews/views → app → connections → core';

/** @param {string} layer */
const label = (layer) => (layer === 'extension' ? 'src/extension.ts' : layer === '.' ? 'src' : `src/${layer}`);

/** @param {string} p */
const posix = (p) => p.split(path.sep).join('/');

/**
 * The layer of an absolute path under src/: its first folder, or `extension` for
 * src/extension.ts. `undefined` when the path is outside src/.
 * @param {string} abs
 * @returns {string | undefined}
 */
export function layerOf(abs) {
  const rel = path.relative(SRC, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  if (rel === '') return '.';
  const parts = rel.split(path.sep);
  const first = parts[0] ?? '';
  if (parts.length > 1) return first;
  const name = first.replace(/\.(d\.ts|ts|tsx|js|mjs|cjs|json)$/, '');
  // A file directly under src/: only extension.ts is a layer. `../core` (a folder's index) is its folder.
  if (name === 'extension') return 'extension';
  if (name !== first) return first;
  return name;
}

/** @param {unknown} node */
function stringValue(node) {
  if (node == null || typeof node !== 'object') return undefined;
  const n = /** @type {{ type?: string, value?: unknown, expressions?: unknown[], quasis?: { value: { cooked?: string | null } }[], literal?: unknown }} */ (node);
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n.type === 'TemplateLiteral' && n.expressions?.length === 0) return n.quasis?.[0]?.value.cooked ?? undefined;
  if (n.type === 'TSLiteralType') return stringValue(n.literal);
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between the layers of src/ only go down.' },
    schema: [],
    messages: {
      upward: '{{from}} may not import {{to}} (imports only go down: {{order}}; {{from}} may import {{allowed}}). Move the shared code down or pass it in.',
      outside: '{{from}} may not import {{to}}: test/, scripts/ and media/ are not part of the extension. Move the shared code into src/ (media/ may import src/webviews/*Protocol.ts, not the other way round).',
      unknownSource: '{{from}} is not in the layer table: add the folder to LAYERS in scripts/eslint-layers.mjs and say what it may import.',
      unknownTarget: '{{to}} is not in the layer table: add the folder to LAYERS in scripts/eslint-layers.mjs and say what it may import.',
    },
  },
  create(context) {
    const filename = context.filename;
    const fromLayer = layerOf(filename);
    if (fromLayer === undefined) return {};
    const allowed = Object.hasOwn(LAYERS, fromLayer) ? LAYERS[fromLayer] : undefined;
    const from = label(fromLayer);

    /**
     * @param {import('estree').Node} node
     * @param {unknown} source
     */
    function check(node, source) {
      const spec = stringValue(source);
      if (spec === undefined || !(spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../'))) return;
      const target = path.resolve(path.dirname(filename), spec);
      const toLayer = layerOf(target);
      if (toLayer === undefined) {
        const rel = posix(path.relative(ROOT, target));
        const top = rel.split('/')[0] ?? '';
        if (!rel.startsWith('..') && FORBIDDEN_OUTSIDE.includes(top)) context.report({ node, messageId: 'outside', data: { from, to: rel } });
        return;
      }
      if (!allowed) return; // the file itself is reported once, below
      if (!Object.hasOwn(LAYERS, toLayer)) {
        context.report({ node, messageId: 'unknownTarget', data: { to: label(toLayer) } });
        return;
      }
      if (!allowed.includes(toLayer)) {
        context.report({ node, messageId: 'upward', data: { from, to: label(toLayer), order: ORDER, allowed: allowed.map(label).join(', ') } });
      }
    }

    return {
      Program(node) {
        if (!allowed) context.report({ node, loc: { line: 1, column: 0 }, messageId: 'unknownSource', data: { from } });
      },
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length >= 1) check(node, node.arguments[0]);
      },
      // TypeScript-only syntax: `import x = require('../a')` and `typeof import('../a')`.
      /** @param {import('estree').Node & { moduleReference?: { type: string, expression?: unknown } }} node */
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference?.type === 'TSExternalModuleReference') check(node, node.moduleReference.expression);
      },
      /** @param {import('estree').Node & { argument?: unknown }} node */
      TSImportType: (node) => check(node, node.argument),
    };
  },
};

/** The plugin object for flat config: `plugins: { upkeep: upkeepPlugin }`. */
export const upkeepPlugin = { meta: { name: 'upkeep' }, rules: { layers: layersRule } };
