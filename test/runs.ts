/**
 * The number of generated cases a property suite runs, raised (or lowered) through an
 * environment variable such as REFERENCE_RUNS. Unset or empty gives the default; anything but a
 * whole number of at least 1 stops the suite with a message naming the variable: `0` would run
 * no case and pass, and `Number("abc")` is NaN, which fast-check would treat as its own default.
 */
export function runsFromEnv(variable: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === "") return fallback;
  const text = raw.trim();
  const runs = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new Error(`${variable}=${JSON.stringify(raw)}: expected a whole number of runs, at least 1 (unset for the default ${fallback})`);
  }
  return runs;
}
