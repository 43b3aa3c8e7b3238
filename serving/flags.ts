// Flag parsing shared by `minflow serve` and `minflow predict`: node:util parseArgs with a usage error
// type, and the tracking URI default every MLflow tool uses.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000';

export function trackingUriFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.MLFLOW_TRACKING_URI || DEFAULT_TRACKING_URI);
}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A non-negative number of seconds (fractions allowed, for tests). */
export function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number of seconds >= 0, got '${value}'`);
  return n;
}

export function port(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be an integer between 0 and 65535, got '${value}'`);
  return n;
}
