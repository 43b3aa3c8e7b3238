// Registry input rules (store/registry/validation.ts) with MLflow's texts, including the places
// where Python's `re` and int() decide: Unicode \w, `$` before a trailing newline, int("0_1").
import { describe, expect, it } from 'vitest';
import { MlflowError } from '../../server/errors.js';
import {
  canonicalStage,
  parseModelVersion,
  pyLen,
  validateAliasName,
  validateAliasNameNotReserved,
  validateModelName,
  validateModelRenaming,
  validateModelVersionTag,
  validateRegisteredModelTag,
  validateTagName,
} from '../../server/store/registry/validation.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    return (err as MlflowError).message;
  }
  throw new Error('expected an error');
}

describe('validateModelName', () => {
  it('accepts ordinary, spaced and non-ASCII names', () => {
    for (const name of ['churn', 'my model', 'ünïcode', 'a\\..', 'x.y-z_1']) expect(validateModelName(name)).toBe(name);
  });

  it('refuses blank names, separators and names that resolve elsewhere', () => {
    expect(message(() => validateModelName(undefined))).toBe("Missing value for required parameter 'name'.");
    expect(message(() => validateModelName(' \t'))).toBe("Missing value for required parameter 'name'.");
    expect(message(() => validateModelName('a/b'))).toBe("Invalid model name 'a/b'. Names cannot contain '/' or ':'.");
    expect(message(() => validateModelName('a:b'))).toBe("Invalid model name 'a:b'. Names cannot contain '/' or ':'.");
    expect(message(() => validateModelName('.'))).toBe(
      "Invalid value \".\" for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '.'",
    );
    expect(message(() => validateModelName('..'))).toMatch(/This name would resolve to '\.\.'$/);
  });

  it('names new_name in rename', () => {
    expect(message(() => validateModelRenaming(' '))).toBe("Missing value for required parameter 'new_name'.");
    expect(message(() => validateModelRenaming('x/y'))).toBe("Invalid model name 'x/y'. Names cannot contain '/' or ':'.");
  });
});

describe('parseModelVersion (Python int())', () => {
  it.each([
    ['1', 1],
    [' 7 ', 7],
    ['+3', 3],
    ['-1', -1],
    ['0_1', 1],
    ['1_000', 1000],
    ['007', 7],
  ])('%j → %d', (raw, n) => {
    expect(parseModelVersion(raw)).toBe(n);
  });

  it.each(['x', '1.0', '1e3', '', '1__0', '_1', '1_', '0x1'])('refuses %j', (raw) => {
    expect(message(() => parseModelVersion(raw))).toBe(`Parameter 'version' must be an integer, got '${raw}'.`);
  });
});

describe('aliases', () => {
  it('follows ^[\\w\\-]*$ with Python’s Unicode \\w and its 255 code-point limit', () => {
    for (const alias of ['prod', 'é-ü_1', '生产', 'a'.repeat(255)]) expect(validateAliasName(alias)).toBe(alias);
    expect(message(() => validateAliasName(''))).toBe('Registered model alias name cannot be empty.');
    expect(message(() => validateAliasName('a b'))).toBe("Invalid alias name: 'a b'. Names may only contain alphanumerics, underscores (_), and dashes (-).");
    expect(message(() => validateAliasName('a.b'))).toMatch(/^Invalid alias name: 'a\.b'/);
    expect(message(() => validateAliasName('a'.repeat(256)))).toBe("'Registered model alias name' exceeds the maximum length of 255 characters");
    // Python's `$` matches before one trailing newline.
    expect(validateAliasName('prod\n')).toBe('prod\n');
    expect(message(() => validateAliasName('prod\n\n'))).toMatch(/^Invalid alias name/);
  });

  it('reserves latest (any case) and v<digits>', () => {
    expect(message(() => validateAliasNameNotReserved('LaTeSt'))).toBe("'latest' alias name (case insensitive) is reserved.");
    expect(message(() => validateAliasNameNotReserved('v12'))).toBe("Version alias name 'v12' is reserved.");
    expect(message(() => validateAliasNameNotReserved('V3'))).toBe("Version alias name 'V3' is reserved.");
    for (const alias of ['v', 'v1a', 'latest2', 'vv1']) expect(() => validateAliasNameNotReserved(alias)).not.toThrow();
  });
});

describe('tags', () => {
  it('checks key characters and paths as MLflow’s _validate_tag_name', () => {
    for (const key of ['a', 'a.b/c d:e', 'ключ', 'mlflow.prompt.is_prompt']) expect(validateTagName(key)).toBe(key);
    expect(message(() => validateTagName('bad!'))).toBe(
      "Invalid value \"bad!\" for parameter 'key' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).",
    );
    expect(message(() => validateTagName(''))).toMatch(/^Invalid value "" for parameter 'key' supplied: Names may be treated as files/);
    expect(message(() => validateTagName('/abs'))).toMatch(/would resolve to '\/abs'$/);
    expect(message(() => validateTagName(undefined))).toBe("Missing value for required parameter 'key'.");
  });

  it('limits keys to 250 and values to 100000 code points, with a prompt-specific message', () => {
    expect(message(() => validateRegisteredModelTag('k'.repeat(251), 'v'))).toBe("'key' exceeds the maximum length of 250 characters");
    expect(message(() => validateRegisteredModelTag('k', 'v'.repeat(100_001)))).toBe("'value' exceeds the maximum length of 100000 characters");
    expect(() => validateRegisteredModelTag('k', '😀'.repeat(100_000))).not.toThrow();
    expect(message(() => validateModelVersionTag('mlflow.prompt.text', 'x'.repeat(100_001)))).toBe('Prompt text exceeds max length of 100000 characters.');
    expect(message(() => validateModelVersionTag('k', 'x'.repeat(100_001)))).toBe("'value' exceeds the maximum length of 100000 characters");
  });

  it('counts code points, not UTF-16 units', () => {
    expect(pyLen('😀a')).toBe(2);
  });
});

describe('canonicalStage', () => {
  it('matches stage names case-insensitively', () => {
    expect(['none', 'STAGING', 'Production', 'archived'].map(canonicalStage)).toEqual(['None', 'Staging', 'Production', 'Archived']);
    expect(message(() => canonicalStage('Deleted_Internal'))).toBe(
      'Invalid Model Version stage: Deleted_Internal. Value must be one of None, Staging, Production, Archived.',
    );
  });
});
