/**
 * Waits for `promise` at most `ms`: its value when it settles in time, else
 * `fallback`. A rejection counts as settling and is passed on, so callers that
 * only want to wait hand in `p.catch(…)`. The timer is always cleared.
 */
export async function orAfter<T, F>(ms: number, promise: Promise<T>, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
