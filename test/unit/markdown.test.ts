import { strict as assert } from 'node:assert';
import { codeBlock, escapeMd } from '../../src/views/markdown';

/** The application_name issue 10 names: any login can set one like it. */
const HOSTILE = '</code>` ``` **x** [a](command:upkeep.removeConnection) <img src=x>';

describe('tooltip Markdown from server text', () => {
  it('escapes every ASCII punctuation character, so no link, HTML, emphasis or code can form', () => {
    const out = escapeMd(HOSTILE);
    assert.equal(out, '\\<\\/code\\>\\` \\`\\`\\` \\*\\*x\\*\\* \\[a\\]\\(command\\:upkeep\\.removeConnection\\) \\<img src\\=x\\>');
    // Removing the escapes gives the text back: nothing was dropped.
    assert.equal(out.replace(/\\(.)/g, '$1'), HOSTILE);
    // With the escaped pairs taken out, no punctuation is left.
    assert.ok(!/[!-/:-@[-`{-~]/.test(out.replace(/\\[!-/:-@[-`{-~]/g, '')), out);
  });

  it('keeps a name on its line, and theme icons, entities and autolinks out', () => {
    assert.equal(escapeMd('a\n# heading\r\n- item'), 'a \\# heading \\- item');
    assert.equal(escapeMd('$(trash) &amp; https://evil.example'), '\\$\\(trash\\) \\&amp\\; https\\:\\/\\/evil\\.example');
    assert.equal(escapeMd('plain text 123'), 'plain text 123');
  });

  it('fences a code block longer than any backtick run inside, so the text cannot close it', () => {
    assert.equal(codeBlock('SELECT 1', 'sql'), '\n```sql\nSELECT 1\n```\n');
    const q = "SELECT '```' AS a, '````' AS b\n```\n**bold**";
    const block = codeBlock(q, 'sql');
    assert.ok(block.startsWith('\n`````sql\n'), block);
    assert.ok(block.endsWith('\n`````\n'));
    // Every line inside is shorter in backticks than the fence: none can close it early.
    const inner = block.split('\n').slice(2, -2);
    assert.deepEqual(inner, q.split('\n'));
    assert.ok(inner.every((line) => !/^`{5,}\s*$/.test(line)));
    assert.equal(codeBlock(HOSTILE).split('\n')[1], '````', 'three backticks inside: a fence of four');
  });
});
