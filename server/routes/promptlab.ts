// POST /ajax-api/2.0/mlflow/runs/create-promptlab-run: the UI's prompt engineering page saves a prompt,
// its parameters and the model's answer as a finished run (MLflow's create_promptlab_run_handler, a
// Flask-only route, so under /ajax-api only). As MLflow does: the run is created first (its errors are
// the client's answer); then the params (the model's parameters, model_route, prompt_template), the
// mlflow.loggedArtifacts / mlflow.runSourceType tags, the model's mlflow.log-model.history entry and the
// artifacts are written, and the run ends FINISHED — or FAILED if any of these fails, still answered 200
// with the run.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { joinArtifactPath } from '../artifacts/locations.js';
import type { MessageSpec } from '../protocol/fields.js';
import { rawMessage } from '../protocol/request.js';
import { promptlabModel } from '../promptlab/model-files.js';
import { readCreatePromptlabRun, type CreatePromptlabRun } from '../promptlab/request.js';
import { readJob } from '../reads/index.js';
import { pythonJsonDumps } from '../store/validation.js';
import type { ArtifactRouteDeps } from './artifacts.js';
import { endpoint } from './endpoint.js';

const Param = { type: 'message', fields: { key: { type: 'string' }, value: { type: 'string' } }, repeated: true } as const;

/** What the handler reads (documentation for /openapi.json; the body is read by hand, as MLflow does). */
const CreatePromptlabRunSpec = {
  experiment_id: { type: 'string', required: true },
  run_name: { type: 'string' },
  tags: Param,
  prompt_template: { type: 'string', required: true },
  prompt_parameters: { ...Param, required: true },
  model_route: { type: 'string', required: true },
  model_parameters: Param,
  model_input: { type: 'string', required: true },
  model_output: { type: 'string' },
  model_output_parameters: Param,
  mlflow_version: { type: 'string', required: true },
  user_id: { type: 'string' },
  start_time: { type: 'int64' },
} as const satisfies MessageSpec;

/** The tag the UI's evaluation view looks for (json.dumps, Python's separators). */
const LOGGED_ARTIFACTS = pythonJsonDumps([{ path: 'eval_results_table.json', type: 'table' }]);

export function promptlabRoutes(app: FastifyInstance, deps: ArtifactRouteDeps): void {
  const { store, resolver } = deps;
  const { runs, logging, writes } = store;

  /** Everything after the run exists: MLflow's try block, whose failure marks the run FAILED. */
  async function logPromptlabRun(runId: string, req: CreatePromptlabRun): Promise<void> {
    const model = promptlabModel(runId, req);
    await writes.run(async () => {
      await logging.logBatch(
        runId,
        [],
        [...req.modelParameters, { key: 'model_route', value: req.modelRoute }, { key: 'prompt_template', value: req.promptTemplate }],
        [
          { key: 'mlflow.loggedArtifacts', value: LOGGED_ARTIFACTS },
          { key: 'mlflow.runSourceType', value: 'PROMPT_ENGINEERING' },
        ],
      );
      await logging.recordLoggedModel(runId, model.modelJson);
    });
    const location = resolver.resolve((await runs.get(runId)).info.artifactUri ?? '');
    for (const file of model.files) {
      await location.store.write(joinArtifactPath(location.base, file.path), Readable.from([Buffer.from(file.content, 'utf8')]));
    }
  }

  endpoint(
    app,
    'POST',
    '/mlflow/runs/create-promptlab-run',
    CreatePromptlabRunSpec,
    async (request) => {
      const req = readCreatePromptlabRun(rawMessage(request, CreatePromptlabRunSpec));
      const runId = await writes.run(() =>
        runs.createRun({ experimentId: req.experimentId, userId: req.userId, startTime: req.startTime, runName: req.runName, tags: req.tags }),
      );
      let status: 'FINISHED' | 'FAILED' = 'FINISHED';
      try {
        await logPromptlabRun(runId, req);
      } catch (err) {
        request.log.warn({ err, runId }, 'create-promptlab-run: logging the run failed; it ends FAILED, as in MLflow');
        status = 'FAILED';
      }
      await writes.run(() => runs.update(runId, { status, endTime: Date.now(), runName: req.runName }));
      return readJob(store, { kind: 'getRun', runId });
    },
    { ajaxOnly: true },
  );
}
