/**
 * The few bytes of a tar archive holding one regular file (ustar), so a file
 * can be streamed into a container through the archive API without a tar
 * library: a 512-byte header, the content, zeros up to a 512-byte boundary,
 * and two zero blocks at the end.
 */

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** The header of one file `name` (ASCII, at most 100 bytes) of `size` bytes, mode 0644, owned by root. */
export function oneFileTarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  if (!/^[\x20-\x7e]{1,100}$/.test(name) || name.includes('/')) throw new Error(`Not a plain file name for a tar header: ${name}`);
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 'ascii');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtimeSeconds, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** Zeros after `size` bytes of content, up to the next block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);
}

export const TAR_END = Buffer.alloc(2 * BLOCK, 0);
