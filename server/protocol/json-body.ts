// A response's text, whoever built it: an object (JSON.stringify) or a JsonText a read job or worker made.
import { withPythonFloatValues } from './float-json.js';
import { stringifyJsonExact } from './int64.js';
import { JsonText } from './wire.js';

/** Metric values as Python floats (10 → 10.0), as MLflow's message_to_json writes them; a JsonText that has them already is sent as it is. */
export function jsonBody(body: Record<string, unknown> | JsonText): string {
  if (body instanceof JsonText) return body.pythonFloats ? body.text : withPythonFloatValues(body.text);
  return withPythonFloatValues(stringifyJsonExact(body));
}
