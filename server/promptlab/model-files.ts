// The artifacts of a prompt-lab run, as MLflow's _create_promptlab_run_impl writes them: the model
// directory mlflow.prompt.promptlab_model.save_model makes (MLmodel, parameters.yaml, the input example,
// the environment files) and eval_results_table.json, the table the UI's evaluation view reads.
//
// YAML is written as PyYAML's safe_dump(default_flow_style=False): sorted keys, unindented sequences,
// YAML 1.1 quoting ('10', 'yes' stay strings for PyYAML); JSON as Python's json.dumps (", " and ": ",
// non-ASCII as \u escapes). What depends on the Python running MLflow's server (its version, pip's)
// cannot be known by a Node server: the Python MLflow 3.17.2 is tested with here stands in.
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { pythonJsonDumps } from '../store/validation.js';
import { MLFLOW_COMPATIBLE_VERSION } from '../version.js';
import type { CreatePromptlabRun } from './request.js';

/** MLflow loads the model with any Python of the same major.minor and warns otherwise; 3.11 is the tests' Python. */
const PYTHON_VERSION = '3.11';
const LOADER_MODULE = 'mlflow.prompt.promptlab_model';

export interface PromptlabArtifact {
  /** Relative to the run's artifact root. */
  path: string;
  content: string;
}

export interface PromptlabModel {
  /** The summary record_logged_model keeps in the run's mlflow.log-model.history tag (flavors not yet known). */
  modelJson: string;
  files: PromptlabArtifact[];
}

function pyYaml(value: unknown): string {
  return stringify(value, { version: '1.1', sortMapEntries: true, indentSeq: false, singleQuote: true, lineWidth: 0 });
}

/** json.dumps(value, indent=2), as MLflow writes serving_input_example.json. */
function pythonJsonIndented(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** MLflow's utc_time_created: '2026-12-03 00:19:41.675278' (microseconds; a JS clock has milliseconds). */
function utcTimeCreated(now: Date): string {
  return now.toISOString().replace('T', ' ').replace('Z', '000');
}

/** create_eval_results_json: one row of prompt parameters, the prompt, the output and the output parameters. */
function evalResultsJson(req: CreatePromptlabRun): string {
  const columns = [...req.promptParameters.map((p) => p.key), 'prompt', 'output', ...req.modelOutputParameters.map((p) => p.key)];
  const data = [...req.promptParameters.map((p) => p.value), req.modelInput, req.modelOutput, ...req.modelOutputParameters.map((p) => p.value)];
  return pythonJsonDumps({ columns, data: [data] });
}

export function promptlabModel(runId: string, req: CreatePromptlabRun, now = new Date()): PromptlabModel {
  const modelUuid = randomUUID().replace(/-/g, '');
  const created = utcTimeCreated(now);
  const requirement = `mlflow[gateway]==${MLFLOW_COMPATIBLE_VERSION}`;
  const signature = {
    inputs: pythonJsonDumps(req.promptParameters.map((p) => ({ type: 'string', name: p.key, required: true }))),
    outputs: pythonJsonDumps([{ type: 'string', name: 'output', required: true }]),
    params: null,
  };
  const mlmodel = {
    artifact_path: 'model',
    flavors: {
      python_function: {
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: LOADER_MODULE,
        parameters_path: 'parameters.yaml',
        python_version: PYTHON_VERSION,
      },
    },
    is_signature_from_type_hint: false,
    mlflow_version: MLFLOW_COMPATIBLE_VERSION,
    model_id: null,
    model_uuid: modelUuid,
    prompts: null,
    run_id: runId,
    saved_input_example_info: { artifact_path: 'input_example.json', serving_input_path: 'serving_input_example.json', type: 'json_object' },
    signature,
    type_hint_from_example: false,
    utc_time_created: created,
  };
  const parameters = {
    model_parameters: Object.fromEntries(req.modelParameters.map((p) => [p.key, p.value])),
    model_route: req.modelRoute,
    prompt_parameters: Object.fromEntries(req.promptParameters.map((p) => [p.key, p.value])),
    prompt_template: req.promptTemplate,
  };
  const inputExample = { inputs: req.promptParameters.map((p) => p.value) };
  const files: PromptlabArtifact[] = [
    { path: 'model/MLmodel', content: pyYaml(mlmodel) },
    { path: 'model/parameters.yaml', content: pyYaml(parameters) },
    { path: 'model/input_example.json', content: pythonJsonDumps(inputExample) },
    { path: 'model/serving_input_example.json', content: pythonJsonIndented({ inputs: inputExample }) },
    { path: 'model/requirements.txt', content: requirement },
    {
      path: 'model/conda.yaml',
      content: pyYaml({ channels: ['conda-forge'], dependencies: [`python=${PYTHON_VERSION}`, 'pip', { pip: [requirement] }], name: 'mlflow-env' }),
    },
    // _PythonEnv keeps its own key order (python, build_dependencies, dependencies), unsorted.
    {
      path: 'model/python_env.yaml',
      content: stringify(
        { python: PYTHON_VERSION, build_dependencies: ['pip', 'setuptools', 'wheel'], dependencies: ['-r requirements.txt'] },
        { version: '1.1', indentSeq: false, singleQuote: true, lineWidth: 0 },
      ),
    },
    { path: 'eval_results_table.json', content: evalResultsJson(req) },
  ];
  // Model.get_tags_dict's keys, in MLflow's order; the flavors are empty because the summary is
  // recorded before save_model adds python_function.
  const modelJson = JSON.stringify({ run_id: runId, artifact_path: 'model', utc_time_created: created, model_uuid: modelUuid, flavors: {} });
  return { modelJson, files };
}
