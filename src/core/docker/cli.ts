/** The docker CLI text Docker operations show: words quoted as a POSIX shell reads them. */

/** A word as a POSIX shell reads it literally: bare when it is plain, in single quotes otherwise. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
