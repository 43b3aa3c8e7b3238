// The CreatePromptlabRun request as MLflow's create_promptlab_run_handler reads it: fields taken from
// the JSON body by hand (it has no proto message), each required one refused when Python would find it
// falsy (None, "", 0, [], {}), in the handler's order and with its message. Values of the parameter
// lists are turned into text as Python's str() would (0.5 → '0.5', 9.0 → '9.0', True → 'True').
import { invalidParameter } from '../errors.js';
import { numberLiteralsOf } from '../protocol/number-literals.js';
import { pythonRepr } from '../store/validation.js';

export interface PromptlabParam {
  key: string;
  value: string;
}

export interface CreatePromptlabRun {
  experimentId: string;
  runName?: string;
  tags: PromptlabParam[];
  promptTemplate: string;
  promptParameters: PromptlabParam[];
  modelRoute: string;
  modelParameters: PromptlabParam[];
  /** As sent: the eval results table holds it unconverted (json.dumps of whatever came). */
  modelInput: unknown;
  modelOutput: unknown;
  modelOutputParameters: PromptlabParam[];
  userId: string;
  startTime: number;
}

/** Python's truthiness of a JSON value. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** str(value) in Python for a value of a JSON body; `floats` are the integral numbers written as floats. */
export function pythonStr(value: unknown, floats: ReadonlySet<number> = new Set()): string {
  if (typeof value === 'string') return value;
  return pythonReprOf(value, floats);
}

/**
 * Python's repr recurses too and fails (RecursionError, a 500 in MLflow) on values nested about a
 * thousand deep; here such a value is refused as the client's mistake before the stack runs out.
 */
const MAX_REPR_DEPTH = 200;

function pythonReprOf(value: unknown, floats: ReadonlySet<number>, depth = 0): string {
  if (depth > MAX_REPR_DEPTH) throw invalidParameter(`Invalid value supplied: a list or object nested more than ${MAX_REPR_DEPTH} levels deep.`);
  if (value === undefined || value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) && floats.has(value) && Math.abs(value) < 1e16 ? value.toFixed(1) : String(value);
  if (typeof value === 'string') return pythonRepr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonReprOf(v, floats, depth + 1)).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pythonRepr(k)}: ${pythonReprOf(v, floats, depth + 1)}`)
    .join(', ')}}`;
}

function requireArg(name: string, value: unknown): void {
  if (!truthy(value)) throw invalidParameter(`CreatePromptlabRun request must specify ${name}.`);
}

/**
 * `[{key, value}, ...]`, as `Param(param.get("key"), param.get("value"))` reads it. MLflow fails with a
 * 500 (AttributeError) on anything else; here it is the client's mistake, a 400.
 */
function params(name: string, value: unknown, floats: ReadonlySet<number>): PromptlabParam[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((p) => p === null || typeof p !== 'object' || Array.isArray(p))) {
    throw invalidParameter(`Invalid value for parameter '${name}' supplied: a list of {"key", "value"} objects was expected.`);
  }
  return (value as Record<string, unknown>[]).map((p) => ({ key: pythonStr(p.key, floats), value: pythonStr(p.value, floats) }));
}

export function readCreatePromptlabRun(args: Record<string, unknown>, now = Date.now()): CreatePromptlabRun {
  const floats = numberLiteralsOf(args)?.floats ?? new Set<number>();
  const text = (v: unknown) => pythonStr(v, floats);
  requireArg('experiment_id', args.experiment_id);
  requireArg('prompt_template', args.prompt_template);
  requireArg('prompt_parameters', args.prompt_parameters);
  const promptParameters = params('prompt_parameters', args.prompt_parameters, floats);
  requireArg('model_route', args.model_route);
  const modelParameters = params('model_parameters', args.model_parameters, floats);
  requireArg('model_input', args.model_input);
  const modelOutputParameters = params('model_output_parameters', args.model_output_parameters, floats);
  requireArg('mlflow_version', args.mlflow_version);

  const startTime = args.start_time ?? now;
  if (typeof startTime !== 'number' || !Number.isSafeInteger(startTime)) {
    throw invalidParameter(`Invalid value ${JSON.stringify(startTime)} for parameter 'start_time' supplied: an integer (milliseconds) was expected.`);
  }
  return {
    experimentId: text(args.experiment_id),
    runName: args.run_name === undefined || args.run_name === null ? undefined : text(args.run_name),
    tags: params('tags', args.tags, floats),
    promptTemplate: text(args.prompt_template),
    promptParameters,
    modelRoute: text(args.model_route),
    modelParameters,
    modelInput: args.model_input,
    modelOutput: args.model_output ?? null,
    modelOutputParameters,
    // args.get("user_id", "unknown"): a user_id sent as null stays None, which the run stores as "".
    userId: args.user_id === undefined ? 'unknown' : args.user_id === null ? '' : text(args.user_id),
    startTime,
  };
}
