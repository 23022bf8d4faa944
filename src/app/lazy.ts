/**
 * A value made the first time it is asked for. The extension uses it for the
 * modules activation does not need: in the bundle each of those is a chunk
 * under dist/chunks/, required at that first call (scripts/build.mjs).
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
