import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expandSnippet, parseSnippet, type SnippetNode as Node } from '../support/snippets';

const ROOT = path.resolve(__dirname, '../../..');

interface Snippet {
  prefix: string;
  description: string;
  body: string[];
}

/** Tab-stop numbers and variable names a body uses. */
function placeholders(body: readonly string[]): { indexes: number[]; variables: string[] } {
  const indexes = new Set<number>();
  const variables: string[] = [];
  const walk = (list: Node[]): void => {
    for (const n of list) {
      if (n.kind === 'tabstop' || n.kind === 'placeholder' || n.kind === 'choice') indexes.add(n.index);
      if (n.kind === 'variable') variables.push(n.name);
      if (n.kind === 'placeholder' || n.kind === 'variable') walk(n.children);
    }
  };
  walk(parseSnippet(body.join('\n')));
  return { indexes: [...indexes].sort((a, b) => a - b), variables };
}

function readJson(rel: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8')) as unknown;
}

function readSnippets(rel: string): Map<string, Snippet> {
  const raw = readJson(rel);
  assert.ok(raw && typeof raw === 'object' && !Array.isArray(raw), `${rel} is an object of snippets`);
  const out = new Map<string, Snippet>();
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const s = value as Partial<Snippet>;
    assert.equal(typeof s.prefix, 'string', `${name}: prefix`);
    assert.equal(typeof s.description, 'string', `${name}: description`);
    assert.ok(Array.isArray(s.body) && s.body.length > 0 && s.body.every((l) => typeof l === 'string'), `${name}: body is a non-empty array of lines`);
    out.set(name, s as Snippet);
  }
  return out;
}

describe('snippet expansion (test helper)', () => {
  it('takes defaults, first choices and mirrors', () => {
    assert.equal(expandSnippet('VACUUM ${1:public}.${2:my_table};'), 'VACUUM public.my_table;');
    assert.equal(expandSnippet('ORDER BY ${1|mean,total|} LIMIT ${2:10}'), 'ORDER BY mean LIMIT 10');
    assert.equal(expandSnippet(['DROP INDEX ${1:ix};', 'CREATE INDEX $1 ON t (${2});', '$0']), 'DROP INDEX ix;\nCREATE INDEX ix ON t ();\n');
    assert.equal(expandSnippet('x ${1:outer ${2:inner} end} $2'), 'x outer inner end inner');
    assert.equal(expandSnippet("WHERE age > interval '${1:5 minutes}' -- $1", { 1: '1 second' }), "WHERE age > interval '1 second' -- 1 second", 'what the user types replaces the default and its mirrors');
    assert.equal(expandSnippet('WHERE ${1:a = \'b\' AND c = 1}'), "WHERE a = 'b' AND c = 1");
  });

  it('keeps escaped dollars and braces and gives variables their default', () => {
    assert.equal(expandSnippet('RETURN \\$param, {a: 1\\}, ${TM_SELECTED_TEXT:n}, $TM_FILENAME'), 'RETURN $param, {a: 1}, n, ');
    assert.equal(expandSnippet('${1|a\\,b,c|}'), 'a,b');
    assert.equal(expandSnippet('cost $ 5 and }'), 'cost $ 5 and }');
  });

  it('rejects an unterminated placeholder', () => {
    assert.throws(() => expandSnippet('${1:oops'), /unterminated/);
  });
});

for (const [file, prefix, lang] of [['snippets/sql.json', 'pg-', 'sql'], ['snippets/cypher.json', 'neo4j-', 'cypher']] as const) {
  describe(`${file}`, () => {
    const snippets = readSnippets(file);

    it('has a good number of snippets', () => {
      assert.ok(snippets.size >= (lang === 'sql' ? 25 : 15), `${snippets.size} snippets`);
    });

    it(`every prefix starts with ${prefix}, is unique and lower-case kebab`, () => {
      const seen = new Set<string>();
      for (const [name, s] of snippets) {
        assert.ok(s.prefix.startsWith(prefix), `${name}: ${s.prefix}`);
        assert.match(s.prefix, /^[a-z0-9]+(-[a-z0-9]+)+$/, name);
        assert.ok(!seen.has(s.prefix), `duplicate prefix ${s.prefix}`);
        seen.add(s.prefix);
      }
    });

    it('every key names the engine and every description says what it does', () => {
      for (const [name, s] of snippets) {
        assert.match(name, lang === 'sql' ? /^PostgreSQL: / : /^Neo4j: /);
        assert.ok(s.description.length >= 20, `${name}: description too short`);
        assert.match(s.description, /\(Upkeep\)$/, name);
      }
    });

    it('tab stops are numbered from 1 without gaps, and no snippet variable sneaks in (a bare $name must be escaped)', () => {
      for (const [name, s] of snippets) {
        const { indexes, variables } = placeholders(s.body);
        assert.deepEqual(variables, [], `${name} uses snippet variables ${variables.join(', ')}`);
        const numbered = indexes.filter((n) => n > 0);
        assert.deepEqual(numbered, numbered.map((_, k) => k + 1), `${name}: tab stops ${numbered.join(', ')}`);
      }
    });

    it('every body expands to a statement ending in ";" without leftover snippet syntax or tabs', () => {
      for (const [name, s] of snippets) {
        const text = expandSnippet(s.body);
        assert.ok(text.trimEnd().endsWith(';'), `${name} ends with ;`);
        assert.ok(!/\$\{|\$\d/.test(text), `${name}: leftover placeholder in ${text}`);
        assert.ok(!text.includes('\t'), `${name}: tab character`);
        assert.equal(text, text.trim(), `${name}: leading or trailing blank`);
        for (const open of ['(', '[', '{'] as const) {
          const close = { '(': ')', '[': ']', '{': '}' }[open];
          const unquoted = text.replace(/'(?:[^'\\]|\\.)*'/g, "''");
          assert.equal(unquoted.split(open).length, unquoted.split(close).length, `${name}: unbalanced ${open}${close}`);
        }
      }
    });

    if (lang === 'sql') {
      it('SQL bodies are one statement each and never dollar-quoted (the snippet syntax owns "$")', () => {
        for (const [name, s] of snippets) {
          const text = expandSnippet(s.body).replace(/'(?:[^']|'')*'/g, "''");
          assert.ok(!text.includes('$'), `${name} has a $`);
          assert.equal(text.split(';').length, 2, `${name} is one statement`);
        }
      });
    }
  });
}

describe('the Cypher language files', () => {
  interface Rule { match?: string; begin?: string; end?: string; patterns?: Rule[]; include?: string }
  const grammar = readJson('syntaxes/cypher.tmLanguage.json') as { scopeName: string; name: string; patterns: Rule[]; repository: Record<string, Rule> };

  /** The grammar's Oniguruma patterns in JavaScript, where they are written to be portable: `(?i)` as a flag. */
  const js = (pattern: string): RegExp => (pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern));
  const rule = (name: string): Rule => {
    const r = grammar.repository[name];
    assert.ok(r, `repository.${name}`);
    return r;
  };
  const allRules = (rules: Rule[]): Rule[] => rules.flatMap((r) => [r, ...allRules(r.patterns ?? [])]);

  it('is source.cypher, and every pattern compiles and every include resolves', () => {
    assert.equal(grammar.scopeName, 'source.cypher');
    assert.equal(grammar.name, 'Cypher');
    const rules = allRules([...grammar.patterns, ...Object.values(grammar.repository)]);
    for (const r of rules) {
      for (const p of [r.match, r.begin, r.end]) if (p !== undefined) assert.doesNotThrow(() => js(p), p);
      if (r.include && r.include.startsWith('#')) assert.ok(grammar.repository[r.include.slice(1)], r.include);
    }
  });

  it('matches keywords case-insensitively, comments, strings, backticks, parameters, labels, arrows and console commands', () => {
    const keywords = (rule('keywords').patterns ?? []).map((r) => js(r.match ?? ''));
    for (const k of ['MATCH', 'match', 'Detach', 'yield', 'TRANSACTIONS']) assert.ok(keywords.some((re) => re.test(k)), k);
    assert.ok(js(rule('console-command').begin ?? '').test(':param limit => 10'));
    assert.ok(js(rule('console-command').begin ?? '').test('  :use neo4j'));
    assert.ok(!js(rule('console-command').begin ?? '').test('MATCH (n:use)'));
    assert.ok(js(rule('parameters').match ?? '').test('$minAge'));
    assert.deepEqual(js(rule('labels').match ?? '').exec('(n:Person:`Odd Label`)')?.[2], 'Person:`Odd Label`');
    const arrows = js(rule('relationship-arrows').match ?? '');
    for (const a of ['-[', ']->', '<-[', ']-', '-->', '<--', '--']) assert.ok(arrows.test(a), a);
    const comments = rule('comments').patterns ?? [];
    assert.ok(comments.some((c) => c.begin === '//') && comments.some((c) => c.begin === '/\\*' && c.end === '\\*/'));
    const strings = rule('strings').patterns ?? [];
    assert.deepEqual(strings.map((s) => s.begin), ["'", '"']);
    assert.equal(rule('quoted-identifier').begin, '`');
    assert.ok(js(rule('escapes').patterns?.[0]?.match ?? '').test("\\'"));
    assert.ok(js(rule('functions').match ?? '').test('apoc.meta.stats('));
  });

  it('has comments, brackets and auto-closing quotes and backticks in its language configuration', () => {
    const conf = readJson('language-configuration/cypher.json') as {
      comments: { lineComment: string; blockComment: [string, string] };
      brackets: [string, string][];
      autoClosingPairs: { open: string; close: string }[];
      surroundingPairs: [string, string][];
    };
    assert.deepEqual(conf.comments, { lineComment: '//', blockComment: ['/*', '*/'] });
    assert.deepEqual(conf.brackets, [['{', '}'], ['[', ']'], ['(', ')']]);
    const pairs = conf.autoClosingPairs.map((p) => p.open + p.close);
    for (const p of ['{}', '[]', '()', "''", '""', '``']) assert.ok(pairs.includes(p), p);
    assert.ok(conf.surroundingPairs.some(([o]) => o === '`'));
  });
});
