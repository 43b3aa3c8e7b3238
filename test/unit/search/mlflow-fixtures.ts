// Loading and comparing against outcomes recorded from the official MLflow by fixtures/generate*.py.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { MlflowError } from '../../../server/errors.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export function loadFixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(HERE, 'fixtures', name), 'utf8')) as T;
}

/** What MLflow did: a value, an MlflowException (message + code), or a bare Python exception. */
export type Outcome<T> = { ok: T } | { error: string; code: string } | { exception: string };

/**
 * Python prints sets in hash order, which changes between interpreter runs, so set literals in
 * messages are compared with their elements sorted.
 */
export function normalizeSets(message: string): string {
  return message.replace(/\{('(?:[^'\\]|\\.)*'(?:, '(?:[^'\\]|\\.)*')*)\}/g, (_all, body: string) => {
    const items = body.match(/'(?:[^'\\]|\\.)*'/g) ?? [];
    return '{' + [...items].sort().join(', ') + '}';
  });
}

/** MLflow answered with a Python error (a 500, or a 400 from the database driver), not its own message. */
function isPythonFailure(outcome: Outcome<unknown>): boolean {
  if ('exception' in outcome) return true;
  if (!('error' in outcome)) return false;
  if (outcome.code === 'INVALID_PARAMETER_VALUE') return false;
  // MLflow raises this one without an error code (500); we keep its text and answer 400.
  return !outcome.error.startsWith('`order_by` contains duplicate fields');
}

/** Runs `fn` and checks it behaves as MLflow did; `project` maps our result onto MLflow's shape. */
export function expectLikeMlflow<T>(outcome: Outcome<unknown>, fn: () => T, project: (v: T) => unknown = (v) => v): void {
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = fn();
  } catch (err) {
    thrown = err;
  }
  if ('ok' in outcome) {
    if (thrown !== undefined) throw thrown;
    expect(project(result as T)).toEqual(outcome.ok);
    return;
  }
  expect(thrown, 'MLflow rejected this input, we accepted it').toBeInstanceOf(MlflowError);
  const err = thrown as MlflowError;
  expect(err.errorCode).toBe('INVALID_PARAMETER_VALUE');
  if (!isPythonFailure(outcome) && 'error' in outcome) {
    expect(normalizeSets(err.message)).toBe(normalizeSets(outcome.error));
  }
}
