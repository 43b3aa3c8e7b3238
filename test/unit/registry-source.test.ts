// Model-version source checks (store/registry/model-version-source.ts) and the Python URL helpers
// they stand on, against fake runs / logged models / registry lookups.
import { describe, expect, it } from 'vitest';
import { MlflowError, notFound } from '../../server/errors.js';
import {
  checkModelVersionSource,
  isPromptRequest,
  parseModelUri,
  type SourceCheckDeps,
  type SourceRequest,
} from '../../server/store/registry/model-version-source.js';
import { resolvePath, unquote, unquotePlus, unquoteRepeatedly, urlHostname, urlparse, urlPort, urlsplit } from '../../server/store/registry/py-url.js';

describe('py-url (urllib.parse as Python 3.11)', () => {
  it('splits like urlsplit / urlparse, params only for the schemes that have them', () => {
    expect(urlparse('http://h/a;b/c;d')).toEqual({ scheme: 'http', netloc: 'h', path: '/a;b/c', params: 'd', query: '', fragment: '' });
    expect(urlparse('s3://b/a;p')).toMatchObject({ scheme: 's3', path: '/a;p', params: '' });
    expect(urlsplit(' \thttp://x/y#f?q')).toEqual({ scheme: 'http', netloc: 'x', path: '/y', query: '', fragment: 'f?q' });
    expect(urlsplit('runs:/abc/model')).toMatchObject({ scheme: 'runs', netloc: '', path: '/abc/model' });
    expect(urlsplit('Models:/x')).toMatchObject({ scheme: 'models' });
    expect(urlsplit('1abc:/x')).toMatchObject({ scheme: '', path: '1abc:/x' });
    expect(urlparse('models:/a?b#c', false)).toMatchObject({ path: '/a', query: 'b#c', fragment: '' });
  });

  it('reads host and port as SplitResult does', () => {
    expect(urlHostname('user@Host.Example:80')).toBe('host.example');
    expect(urlHostname('')).toBeUndefined();
    expect(urlHostname('[::1]:5000')).toBe('::1');
    expect(urlPort('h:8080')).toBe(8080);
    expect(urlPort('h')).toBeUndefined();
    expect(urlPort('h:')).toBeUndefined();
    expect(() => urlPort('h:x')).toThrow();
    expect(() => urlPort('h:70000')).toThrow();
  });

  it('unquotes UTF-8 runs, keeps stray %, and repeats until stable', () => {
    expect(unquote('%e2%82%ac%zz%ff')).toBe('€%zz\ufffd');
    expect(unquotePlus('a+b%20c')).toBe('a b c');
    expect(unquoteRepeatedly('%252e%252e')).toBe('..');
  });

  it('resolves paths like pathlib (cwd for relative, `.` dropped, symlinks followed)', () => {
    expect(resolvePath('/no/such/./dir')).toBe('/no/such/dir');
    expect(resolvePath('rel/x', '/base')).toBe(`${resolvePath('/base')}/rel/x`);
    expect(resolvePath('')).toBe(resolvePath(process.cwd()));
  });
});

describe('parseModelUri (_parse_model_uri)', () => {
  it.each([
    ['models:/m-abc', { modelId: 'm-abc' }],
    ['models:/churn/3', { name: 'churn', version: '3' }],
    ['models:/churn/latest', { name: 'churn' }],
    ['models:/churn/Production', { name: 'churn', stage: 'Production' }],
    ['models:/churn@prod', { name: 'churn', alias: 'prod' }],
    ['models:/a@b@c', { name: 'a@b', alias: 'c' }],
  ])('%s', (uri, parsed) => {
    expect(parseModelUri(uri)).toEqual(parsed);
  });

  it.each(['models:/', 'models:', 'models:/a/b/c', 'models:/ /1', 'models:/a/ ', 'models:/a@ ', 'runs:/a/b'])('refuses %s', (uri) => {
    expect(parseModelUri(uri)).toBeUndefined();
  });
});

const RUN = 'r'.repeat(32);
function deps(over: Partial<SourceCheckDeps> = {}): SourceCheckDeps {
  return {
    runs: {
      get: async (id) => {
        if (id === RUN) return { info: { artifactUri: 'mlflow-artifacts:/1/rrr/artifacts' } };
        if (id === 'local') return { info: { artifactUri: 'file:///data/runs/local/artifacts' } };
        throw notFound(`Run with id=${id} not found`);
      },
    },
    loggedModels: {
      get: async (id) => {
        if (id === 'm-1') return { artifactLocation: 'mlflow-artifacts:/1/models/m-1/artifacts', sourceRunId: RUN };
        throw notFound(`Logged model with ID '${id}' not found.`);
      },
      addModelVersionTag: async () => undefined,
    },
    registered: {
      isPrompt: async (name) => name === 'a-prompt',
      resolveVersion: async (uri) => Number(uri.version ?? 7),
      runIdOf: async () => RUN,
    },
    trustedArtifactRoots: ['mlflow-artifacts:/', '/srv/artifacts'],
    env: {},
    ...over,
  };
}
const req = (source: string, extra: Partial<SourceRequest> = {}): SourceRequest => ({ source, runId: undefined, modelId: undefined, tags: [], ...extra });
async function error(fn: () => Promise<unknown>): Promise<MlflowError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MlflowError);
    return err as MlflowError;
  }
  throw new Error('expected an error');
}

describe('checkModelVersionSource', async () => {
  it('accepts run and logged-model sources that name their owner', async () => {
    expect(await checkModelVersionSource(req(`runs:/${RUN}/model`, { runId: RUN }), deps())).toEqual({ source: `runs:/${RUN}/model`, runId: RUN, modelId: undefined, isPrompt: false });
    await expect(checkModelVersionSource(req('mlflow-artifacts:/1/rrr/artifacts/model', { runId: RUN }), deps())).resolves.toBeDefined();
    await expect(checkModelVersionSource(req('mlflow-artifacts:/1/models/m-1/artifacts', { modelId: 'm-1' }), deps())).resolves.toBeDefined();
    await expect(checkModelVersionSource(req('file:///data/runs/local/artifacts/model', { runId: 'local' }), deps())).resolves.toBeDefined();
    await expect(checkModelVersionSource(req('s3://bucket/model'), deps())).resolves.toBeDefined();
  });

  it('compares proxied roots part by part, decoded, case-insensitive in scheme and authority', async () => {
    await expect(checkModelVersionSource(req('MLFLOW-ARTIFACTS:/1/%72rr/artifacts/x', { runId: RUN }), deps())).resolves.toBeDefined();
    expect((await error(() => checkModelVersionSource(req('mlflow-artifacts:/1/rrr/artifactsX', { runId: RUN }), deps()))).message).toMatch(/The run_id request parameter/);
  });

  it('pins models:/<name>/... sources and inherits the run id', async () => {
    expect(await checkModelVersionSource(req('models:/churn@prod'), deps())).toEqual({ source: 'models:/churn/7', runId: RUN, modelId: undefined, isPrompt: false });
    expect((await error(() => checkModelVersionSource(req('models:/a-prompt/1'), deps()))).message).toMatch(/Prompt versions cannot be used/);
  });

  it('reaches only the hosts of the server’s own artifact storage, unless the scheme is allowed', async () => {
    const refused = await error(() => checkModelVersionSource(req('https://store.example/a'), deps()));
    expect(refused.message).toMatch(/^'source' cannot use the 'https' scheme/);
    const trusted = deps({ trustedArtifactRoots: ['http://store.example:80/root'] });
    await expect(checkModelVersionSource(req('http://store.example/api/2.0/mlflow-artifacts/artifacts/x/y', { runId: RUN }), trusted)).rejects.toThrow(
      /The run_id request parameter/,
    );
    await expect(checkModelVersionSource(req('http://store.example/plain/model'), trusted)).resolves.toBeDefined();
    // Past the host check, a proxied source still needs its run.
    await expect(checkModelVersionSource(req('mlflow-artifacts://store.example/x'), trusted)).rejects.toThrow(/The run_id request parameter/);
    await expect(checkModelVersionSource(req('http://other.example/plain/model'), trusted)).rejects.toThrow(/cannot use the 'http' scheme/);
    const allowed = deps({ env: { MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES: 'ftp, HTTP' } });
    await expect(checkModelVersionSource(req('ftp://host/a'), allowed)).resolves.toBeDefined();
    await expect(checkModelVersionSource(req('sftp://host/a'), allowed)).rejects.toThrow(/cannot use the 'sftp' scheme/);
    await expect(checkModelVersionSource(req('http://bad host/a'), trusted)).rejects.toThrow(/cannot use the 'http' scheme/);
  });

  it('applies MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX first', async () => {
    const d = deps({ env: { MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX: '^s3://approved/' } });
    expect((await error(() => checkModelVersionSource(req('s3://other/x'), d))).message).toBe("Invalid model version source: 's3://other/x'.");
    await expect(checkModelVersionSource(req('s3://approved/x'), d)).resolves.toBeDefined();
  });

  it('treats a file: URI naming a remote host as MLflow does (its 500 as a 400)', async () => {
    const err = await error(() => checkModelVersionSource(req('file://remote/x'), deps()));
    expect([err.errorCode, err.statusCode]).toEqual(['INTERNAL_ERROR', 400]);
  });
});

describe('isPromptRequest', () => {
  it('lets the last is_prompt tag decide and counts only "true", in any case', () => {
    const tag = (value: string) => ({ key: 'mlflow.prompt.is_prompt', value });
    expect(isPromptRequest([tag('True')])).toBe(true);
    expect(isPromptRequest([tag('true'), tag('false')])).toBe(false);
    expect(isPromptRequest([tag('yes')])).toBe(false);
    expect(isPromptRequest([])).toBe(false);
  });
});
