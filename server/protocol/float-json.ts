// MLflow writes its double fields as Python floats: protobuf's MessageToJson prints a metric of 10 as
// `10.0`; JSON.stringify prints `10`, which clients reading the raw JSON take for an int. Every double
// Minflow sends is a `value` (Metric.value, in runs, histories and logged models), and no integer field
// of MLflow's messages is called `value`, so the integral numbers under that key get their `.0` back.
// A `"value":` inside a string has its quotes escaped, so only real keys match. Python's repr switches
// to exponent notation at 1e16 (`1e+16`), which JSON.stringify also does only from 1e21: left alone.
const INTEGRAL_VALUE = /(?<!\\)"value":(-?\d{1,16})(?=[,}\]])/g;

export function withPythonFloatValues(json: string): string {
  return json.includes('"value":') ? json.replace(INTEGRAL_VALUE, '"value":$1.0') : json;
}
