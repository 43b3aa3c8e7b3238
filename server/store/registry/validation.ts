// Registry input rules with MLflow's limits and message texts (mlflow/utils/validation.py:
// _validate_model_name, _validate_model_version, _validate_model_alias_name[_reserved], the registry
// tag checks; entities/model_registry/model_version_stages.py get_canonical_stage).
//
// Python's `re` treats \w and \d as Unicode classes and lets `$` match before one trailing newline,
// and len() counts code points; the patterns and lengths below copy that, so a name MLflow accepts is
// accepted here and the other way round.
import { invalidParameter } from '../../errors.js';
import { exceedsMaximumLength, invalidValueMessage, posixNormpath, pythonRepr } from '../validation.js';
import { ALL_STAGES, PROMPT_TEXT_TAG_KEY, type Stage } from './entities.js';

export const MAX_MODEL_REGISTRY_TAG_KEY_LENGTH = 250;
export const MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH = 100_000;
export const MAX_REGISTERED_MODEL_ALIAS_LENGTH = 255;
/** `models:/name@latest` means the newest version, so no alias may take the name. */
export const ALIAS_LATEST = 'latest';

const ALIAS_REGEX = /^[\p{L}\p{N}_-]*\n?$/u;
const VERSION_ALIAS_REGEX = /^[vV]\p{Nd}+\n?$/u;
const TAG_NAME_REGEX = /^[/\p{L}\p{N}_.\- :]*\n?$/u;
/** Python's int(str): surrounding whitespace, a sign, digits with single underscores between them. */
const PY_INT_REGEX = /^\s*[+-]?\d+(?:_\d+)*\s*$/;

const BAD_CHARACTER_MESSAGE =
  'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';
const BAD_ALIAS_CHARACTERS_MESSAGE = 'Names may only contain alphanumerics, underscores (_), and dashes (-).';

/** len() of a Python str: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function missingValueMessage(path: string): string {
  return `Missing value for required parameter '${path}'.`;
}

function badPathMessage(name: string): string {
  return (
    'Names may be treated as files in certain cases, and must not resolve to other names' +
    ` when treated as such. This name would resolve to ${pythonRepr(posixNormpath(name))}`
  );
}

function pathNotUnique(name: string): boolean {
  const norm = posixNormpath(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

function lengthLimit(entity: string, limit: number, value: string | null | undefined): void {
  if (value != null && pyLen(value) > limit) throw invalidParameter(exceedsMaximumLength(entity, limit));
}

export function validateModelName(name: string | null | undefined): string {
  if (name == null || name.trim() === '') throw invalidParameter(missingValueMessage('name'));
  if (name.includes('/') || name.includes(':')) {
    throw invalidParameter(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  }
  if (pathNotUnique(name)) throw invalidParameter(invalidValueMessage('name', name, badPathMessage(name)));
  return name;
}

export function validateModelRenaming(newName: string | null | undefined): string {
  if (newName == null || newName.trim() === '') throw invalidParameter(missingValueMessage('new_name'));
  return validateModelName(newName);
}

/** int(version) as _validate_model_version does it; versions travel as strings on the wire. */
export function parseModelVersion(version: string | number | null | undefined): number {
  const text = version == null ? 'None' : String(version);
  if (typeof version === 'number' && Number.isInteger(version)) return version;
  if (typeof version !== 'string' || !PY_INT_REGEX.test(version)) {
    throw invalidParameter(`Parameter 'version' must be an integer, got '${text}'.`);
  }
  return Number(version.trim().replace(/_/g, ''));
}

export function validateTagName(key: string | null | undefined, path = 'key'): string {
  if (key == null) throw invalidParameter(missingValueMessage(path));
  if (!TAG_NAME_REGEX.test(key)) throw invalidParameter(invalidValueMessage(path, key, BAD_CHARACTER_MESSAGE));
  if (pathNotUnique(key)) throw invalidParameter(invalidValueMessage(path, key, badPathMessage(key)));
  return key;
}

export function validateRegisteredModelTag(key: string | null | undefined, value: string | null | undefined): void {
  validateTagName(key);
  lengthLimit('key', MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key);
  lengthLimit('value', MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value);
}

export function validateModelVersionTag(key: string | null | undefined, value: string | null | undefined): void {
  validateTagName(key);
  if (value == null) throw invalidParameter('Tag value cannot be None');
  lengthLimit('key', MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key);
  // MLflow words this one for people writing prompts.
  if (key === PROMPT_TEXT_TAG_KEY && pyLen(value) > MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH) {
    throw invalidParameter(`Prompt text exceeds max length of ${MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH} characters.`);
  }
  lengthLimit('value', MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value);
}

export function validateAliasName(alias: string | null | undefined): string {
  if (alias == null || alias === '') throw invalidParameter('Registered model alias name cannot be empty.');
  if (!ALIAS_REGEX.test(alias)) throw invalidParameter(`Invalid alias name: '${alias}'. ${BAD_ALIAS_CHARACTERS_MESSAGE}`);
  lengthLimit('Registered model alias name', MAX_REGISTERED_MODEL_ALIAS_LENGTH, alias);
  return alias;
}

/** Names that `models:/name@...` already gives a meaning to: `latest` (any case) and `v<N>`. */
export function validateAliasNameNotReserved(alias: string): void {
  if (alias.toLowerCase() === ALIAS_LATEST) throw invalidParameter("'latest' alias name (case insensitive) is reserved.");
  if (VERSION_ALIAS_REGEX.test(alias)) throw invalidParameter(`Version alias name '${alias}' is reserved.`);
}

/** get_canonical_stage: stage names are matched case-insensitively. */
export function canonicalStage(stage: string): Stage {
  const found = ALL_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (found === undefined) {
    throw invalidParameter(`Invalid Model Version stage: ${stage}. Value must be one of ${ALL_STAGES.join(', ')}.`);
  }
  return found;
}
