// Which `source` a new model version may point at, as MLflow's CreateModelVersion handler decides it
// (server/handlers.py: _validate_artifact_uri_scheme, _resolve_registered_model_source_lineage,
// _validate_source_run, _validate_source_model). The point is that a client cannot make the server read
// files it was never given: local paths must lie inside the named run's (or logged model's) artifact
// directory, `runs:/` and `models:/m-…` sources must name the run / model passed with them, proxied
// artifact URIs must lie under that run's or model's root, and no path may climb out with `..`.
import { invalidParameter, MlflowError } from '../../errors.js';
import type { Tag } from '../entities.js';
import { IS_PROMPT_TAG_KEY, PROMPT_SOURCE_PLACEHOLDERS } from './entities.js';
import { validateArtifactUriScheme } from './host-policy.js';
import { resolvePath, unquote, unquotePlus, unquoteRepeatedly, urlHostname, urlparse, urlsplit } from './py-url.js';

/** What the checks need of a run: its artifact root. RunStore satisfies it. */
export interface RunLookup {
  get(runId: string): Promise<{ info: { artifactUri: string | null } }>;
}

/** What the registry needs of MLflow 3 logged models. LoggedModelStore satisfies it. */
export interface LoggedModelLookup {
  /** Throws MLflow's RESOURCE_DOES_NOT_EXIST for an unknown (or deleted) model. */
  get(modelId: string, allowDeleted?: boolean): Promise<{ artifactLocation: string; sourceRunId: string | null }>;
  /** Appends {"name", "version"} to the model's `mlflow.modelVersions` tag. */
  addModelVersionTag(modelId: string, name: string, version: string): Promise<void>;
}

/** A `models:/` URI as _parse_model_uri reads it: exactly one of the four is set. */
export interface ParsedModelUri {
  modelId?: string;
  name?: string;
  version?: string;
  stage?: string;
  alias?: string;
}

/** The registry's side of a `models:/<name>/<suffix>` source: the model version it names. */
export interface RegisteredSourceLookup {
  /** RegisteredModel._is_prompt(); MLflow's not-found error when the model does not exist. */
  isPrompt(name: string): Promise<boolean>;
  /** get_model_name_and_version: the version a name + version/stage/alias/latest URI resolves to. */
  resolveVersion(uri: ParsedModelUri & { name: string }): Promise<number>;
  /** The referenced version's run id (MLflow's store never reports a model_id for a version). */
  runIdOf(name: string, version: number): Promise<string | null>;
}

export interface SourceCheckDeps {
  runs: RunLookup;
  loggedModels: LoggedModelLookup;
  registered: RegisteredSourceLookup;
  /** The server's default artifact root and artifacts destination: hosts it may be told to reach. */
  trustedArtifactRoots: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}

export interface SourceRequest {
  source: string;
  /** undefined when the request has no run_id field at all (proto HasField). */
  runId: string | undefined;
  modelId: string | undefined;
  tags: readonly Tag[];
}

export interface CheckedSource {
  source: string;
  runId: string | undefined;
  modelId: string | undefined;
  isPrompt: boolean;
}

function invalidSourceFor(source: string, idName: 'run_id' | 'model_id'): MlflowError {
  return invalidParameter(
    `Invalid model version source: '${source}'. The ${idName} request parameter must identify the resource that contains the source.`,
  );
}

const MODELS_URI_SUFFIX_LATEST = 'latest';

/** _parse_model_uri for the `models` scheme, or undefined where it raises. */
export function parseModelUri(uri: string): ParsedModelUri | undefined {
  const parsed = urlparse(uri, false);
  if (parsed.scheme !== 'models') return undefined;
  const p = parsed.path;
  if (!p.startsWith('/') || p.length <= 1) return undefined;
  const parts = p.replace(/^\/+/, '').split('/');
  if (parts.length > 2 || parts[0]!.trim() === '') return undefined;
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (suffix.trim() === '') return undefined;
    if (/^\p{Nd}+$/u.test(suffix)) return { name, version: suffix };
    if (suffix.toLowerCase() === MODELS_URI_SUFFIX_LATEST) return { name };
    return { name, stage: suffix };
  }
  if (p.includes('@')) {
    const at = parts[0]!.lastIndexOf('@');
    if (at < 0 || parts[0]!.slice(at + 1).trim() === '') return undefined;
    return { name: parts[0]!.slice(0, at), alias: parts[0]!.slice(at + 1) };
  }
  return { modelId: parts[0]! };
}

/** _parse_model_version_source: a malformed `models:/` URI is a bad source for model_id. */
function parseModelVersionSource(source: string): ParsedModelUri {
  const parsed = parseModelUri(source);
  if (parsed === undefined) throw invalidSourceFor(source, 'model_id');
  return parsed;
}

// ---- path checks ------------------------------------------------------------------------------

/** is_local_uri (POSIX): no scheme, or file: (which must not name a remote host). */
function isLocalUri(uri: string): boolean {
  const parsed = urlparse(uri);
  if (parsed.scheme === '') return true;
  const host = urlHostname(parsed.netloc);
  const remote = host !== undefined && !(host === '.' || host.startsWith('localhost') || host.startsWith('127.0.0.1'));
  if (parsed.scheme === 'file') {
    if (remote) {
      throw new MlflowError(
        'INTERNAL_ERROR',
        `${uri} is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>).`,
        400,
      );
    }
    return true;
  }
  return false;
}

/** local_file_uri_to_path: file: URIs to their (decoded) path; anything else is already a path. */
function localFileUriToPath(uri: string): string {
  return unquote(uri.startsWith('file:') ? urlparse(uri).path : uri);
}

/** _validate_non_local_source_contains_relative_paths. */
function validateNoRelativePaths(original: string): void {
  const error = invalidParameter(
    `Invalid model version source: '${original}'. If supplying a source as an http, https, local file path, ftp, ` +
      'objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references ' +
      'present. Please provide an absolute path.',
  );
  const source = unquoteRepeatedly(original, unquotePlus);
  const sourcePath = urlparse(source).path.replace(/\/+$/, '').replace(/\/+/g, '/');
  if (sourcePath.includes('\x00') || source.split('/').some((p) => p === '..')) throw error;
  if (resolvePath(sourcePath) !== sourcePath) throw error;
}

/** _normalized_uri_parts. */
function normalizedUriParts(uri: string): { scheme: string; authority: string; parts: string[] } {
  const parsed = urlsplit(uri);
  return {
    scheme: parsed.scheme.toLowerCase(),
    authority: parsed.netloc.toLowerCase(),
    parts: parsed.path
      .split('/')
      .filter((p) => p !== '')
      .map((p) => unquoteRepeatedly(p)),
  };
}

function isUriWithinRoot(source: string, root: string): boolean {
  const s = normalizedUriParts(source);
  const r = normalizedUriParts(root);
  return (
    s.scheme === r.scheme &&
    s.authority === r.authority &&
    r.parts.length > 0 &&
    r.parts.every((part, i) => s.parts[i] === part)
  );
}

const ARTIFACT_ROUTE = ['api', '2.0', 'mlflow-artifacts', 'artifacts'];

function isMlflowArtifactSource(source: string): boolean {
  const { scheme, parts } = normalizedUriParts(source);
  if (scheme === 'mlflow-artifacts') return true;
  if (scheme !== 'http' && scheme !== 'https') return false;
  for (let i = 0; i + ARTIFACT_ROUTE.length <= parts.length; i++) {
    if (ARTIFACT_ROUTE.every((p, j) => parts[i + j] === p)) return true;
  }
  return false;
}

/** Is `dir` the path itself or one of its ancestors? (`dir in [path, *path.parents]`) */
function containsPath(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
}

function isNotFound(err: unknown): boolean {
  return err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST';
}

async function sourceRunRoot(deps: SourceCheckDeps, runId: string, source: string): Promise<string> {
  try {
    return (await deps.runs.get(runId)).info.artifactUri ?? '';
  } catch (err) {
    if (isNotFound(err)) throw invalidSourceFor(source, 'run_id');
    throw err;
  }
}

async function sourceModelRoot(deps: SourceCheckDeps, modelId: string, source: string): Promise<string> {
  try {
    return (await deps.loggedModels.get(modelId)).artifactLocation;
  } catch (err) {
    if (isNotFound(err)) throw invalidSourceFor(source, 'model_id');
    throw err;
  }
}

/** A local path is only acceptable inside the owning run's / model's local artifact directory. */
async function validateLocalSource(
  source: string,
  ownerId: string | undefined,
  root: () => Promise<string>,
  kind: 'run' | 'model',
): Promise<void> {
  let shown = source;
  if (ownerId) {
    const rootUri = await root();
    const resolved = resolvePath(localFileUriToPath(source));
    shown = resolved;
    if (isLocalUri(rootUri) && containsPath(resolvePath(localFileUriToPath(rootUri)), resolved)) return;
  }
  const idName = kind === 'run' ? 'run_id' : 'model_id';
  throw invalidParameter(
    `Invalid model version source: '${shown}'. To use a local path as a model version source, the ${idName} ` +
      `request parameter has to be specified and the local path has to be contained within the artifact directory ` +
      `of the run specified by the ${idName}.`,
  );
}

/** RunsArtifactRepository.parse_runs_uri: the run id of `runs:/<run_id>/<path>`. */
function runIdOfRunsUri(source: string): string {
  const p = urlparse(source).path;
  const runId = p.startsWith('/') && p.length > 1 ? (p.slice(1).split('/')[0] ?? '') : '';
  if (runId === '') {
    throw new MlflowError(
      'INTERNAL_ERROR',
      `Not a proper runs:/ URI: ${source}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
      400,
    );
  }
  return runId;
}

async function validateSourceRun(source: string, runId: string | undefined, deps: SourceCheckDeps): Promise<void> {
  if (isLocalUri(source)) {
    await validateLocalSource(source, runId, () => sourceRunRoot(deps, runId!, source), 'run');
    return;
  }
  validateNoRelativePaths(source);
  const parsed = urlparse(source);
  if (parsed.scheme === 'runs') {
    if (parsed.netloc) throw invalidSourceFor(source, 'run_id');
    if (runId && runIdOfRunsUri(source) === runId) return;
    throw invalidSourceFor(source, 'run_id');
  }
  if (parsed.scheme === 'models') {
    if (parsed.netloc) throw invalidSourceFor(source, 'model_id');
    if (parseModelVersionSource(source).modelId !== undefined) throw invalidSourceFor(source, 'model_id');
  }
  if (isMlflowArtifactSource(source)) {
    if (runId && isUriWithinRoot(source, await sourceRunRoot(deps, runId, source))) return;
    throw invalidSourceFor(source, 'run_id');
  }
}

async function validateSourceModel(source: string, modelId: string, deps: SourceCheckDeps): Promise<void> {
  if (isLocalUri(source)) {
    await validateLocalSource(source, modelId, () => sourceModelRoot(deps, modelId, source), 'model');
    return;
  }
  validateNoRelativePaths(source);
  const parsed = urlparse(source);
  if (parsed.scheme === 'models') {
    if (parsed.netloc) throw invalidSourceFor(source, 'model_id');
    const sourceModelId = parseModelVersionSource(source).modelId;
    if (sourceModelId !== undefined) {
      if (sourceModelId === modelId) return;
      throw invalidSourceFor(source, 'model_id');
    }
  }
  if (parsed.scheme === 'runs') throw invalidSourceFor(source, 'model_id');
  if (isMlflowArtifactSource(source)) {
    if (isUriWithinRoot(source, await sourceModelRoot(deps, modelId, source))) return;
    throw invalidSourceFor(source, 'model_id');
  }
}

/**
 * _resolve_registered_model_source_lineage: a `models:/<name>/<version|stage|latest>` or
 * `models:/<name>@<alias>` source is pinned to `models:/<name>/<version>` and inherits that version's
 * run id (and, in MLflow's store, no model id) unless the request gives its own — which must then match.
 */
async function resolveRegisteredSource(req: SourceRequest, deps: SourceCheckDeps): Promise<SourceRequest> {
  const { source } = req;
  const parsedSource = urlparse(source);
  if (parsedSource.scheme !== 'models') return req;
  if (parsedSource.netloc) {
    throw invalidParameter(`Invalid model version source: '${source}'. Registered model sources must use the active model registry.`);
  }
  const parsed = parseModelVersionSource(source);
  if (parsed.modelId !== undefined) return req;
  const name = parsed.name!;
  if (await deps.registered.isPrompt(name)) {
    throw invalidParameter(`Invalid model version source: '${source}'. Prompt versions cannot be used as model version sources.`);
  }
  const version = await deps.registered.resolveVersion({ ...parsed, name });
  const sourceRunId = (await deps.registered.runIdOf(name, version)) ?? '';
  if ((req.runId !== undefined && req.runId !== sourceRunId) || (req.modelId !== undefined && req.modelId !== '')) {
    throw invalidParameter(
      `Invalid model version source: '${source}'. The run_id and model_id request parameters must match the referenced model version.`,
    );
  }
  return { ...req, source: `models:/${name}/${version}`, runId: req.runId ?? sourceRunId, modelId: req.modelId };
}

/** _is_prompt_request: the last `mlflow.prompt.is_prompt` tag decides, and only "true" (any case) counts. */
export function isPromptRequest(tags: readonly Tag[]): boolean {
  let value = 'false';
  for (const t of tags) if (t.key === IS_PROMPT_TAG_KEY) value = t.value;
  return value.toLowerCase() === 'true';
}

/** Every check CreateModelVersion makes on the source before the store sees the request. */
export async function checkModelVersionSource(req: SourceRequest, deps: SourceCheckDeps): Promise<CheckedSource> {
  const regex = deps.env?.MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX;
  if (req.source && regex && !new RegExp(regex).test(req.source)) {
    throw invalidParameter(`Invalid model version source: '${req.source}'.`);
  }
  const isPrompt = isPromptRequest(req.tags);
  if (isPrompt && !PROMPT_SOURCE_PLACEHOLDERS.includes(req.source)) {
    throw invalidParameter(`Invalid prompt source: '${req.source}'. Prompt sources must use an MLflow placeholder.`);
  }
  validateArtifactUriScheme(req.source, 'source', deps.trustedArtifactRoots, deps.env);
  if (isPrompt) return { source: req.source, runId: req.runId, modelId: req.modelId, isPrompt };
  const resolved = await resolveRegisteredSource(req, deps);
  if (resolved.modelId) await validateSourceModel(resolved.source, resolved.modelId, deps);
  else await validateSourceRun(resolved.source, resolved.runId, deps);
  return { source: resolved.source, runId: resolved.runId, modelId: resolved.modelId, isPrompt };
}
