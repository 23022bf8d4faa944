/**
 * Redis glob patterns (the MATCH of SCAN, the argument of KEYS) on raw bytes:
 * escaping literal text so it matches only itself, the literal head of a
 * pattern, and a matcher with the server's rules (`*`, `?`, `[abc]`, `[^a]`,
 * `[a-z]`, `\x`) for the filters the server cannot combine in one MATCH.
 */

const GLOB_SPECIAL = new Set([0x2a, 0x3f, 0x5b, 0x5d, 0x5c]); // * ? [ ] \

/** `text` as a pattern that matches exactly it: every `* ? [ ] \` gets a backslash. */
export function escapeGlob(text: Buffer | string): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const out: number[] = [];
  for (const b of bytes) {
    if (GLOB_SPECIAL.has(b)) out.push(0x5c);
    out.push(b);
  }
  return Buffer.from(out);
}

/** Keys that start with `prefix` (literal), as a MATCH pattern. */
export function prefixPattern(prefix: Buffer | string): Buffer {
  return Buffer.concat([escapeGlob(prefix), Buffer.from('*')]);
}

/** The bytes every key matching `pattern` starts with (up to its first wildcard), unescaped. */
export function literalPrefix(pattern: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const b = pattern[i] as number;
    if (b === 0x5c && i + 1 < pattern.length) {
      out.push(pattern[++i] as number);
      continue;
    }
    if (b === 0x2a || b === 0x3f || b === 0x5b) break;
    out.push(b);
  }
  return Buffer.from(out);
}

/** Whether `key` matches `pattern` as the server's stringmatchlen would judge it (case-sensitive). */
export function globMatch(pattern: Buffer, key: Buffer): boolean {
  return matchAt(pattern, 0, key, 0);
}

function matchAt(p: Buffer, pi: number, s: Buffer, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi] as number;
    if (c === 0x2a) {
      while (pi + 1 < p.length && p[pi + 1] === 0x2a) pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchAt(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === 0x3f) {
      pi++;
      si++;
      continue;
    }
    if (c === 0x5b) {
      const r = matchClass(p, pi + 1, s[si] as number);
      if (!r.matched) return false;
      pi = r.next;
      si++;
      continue;
    }
    let literal = c;
    if (c === 0x5c && pi + 1 < p.length) literal = p[++pi] as number;
    if (literal !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** A `[...]` class starting after its `[`: whether `ch` is in it, and where the pattern goes on. */
function matchClass(p: Buffer, start: number, ch: number): { matched: boolean; next: number } {
  let i = start;
  const not = p[i] === 0x5e;
  if (not) i++;
  let matched = false;
  while (i < p.length && p[i] !== 0x5d) {
    if (p[i] === 0x5c && i + 1 < p.length) {
      if (p[i + 1] === ch) matched = true;
      i += 2;
    } else if (i + 2 < p.length && p[i + 1] === 0x2d && p[i + 2] !== 0x5d) {
      let lo = p[i] as number;
      let hi = p[i + 2] as number;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) matched = true;
      i += 3;
    } else {
      if (p[i] === ch) matched = true;
      i++;
    }
  }
  // An unclosed class ends the pattern, as in the server.
  return { matched: not ? !matched : matched, next: i < p.length ? i + 1 : i };
}
