// A metric value as the text MLflow's message_to_json writes for it: Python's float repr for the
// finite ones (JSON.stringify's shortest round-trip digits, plus `.0` on an integral value, the same
// rule withPythonFloatValues applies to JSON.stringify's output), and the infinities as the strings
// protobuf JSON uses. NaN values never reach it: their rows carry is_nan, rendered as "NaN" in SQL.
export function pythonFloatText(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (value === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  if (Number.isNaN(value)) return '"NaN"';
  const text = String(value);
  return Number.isInteger(value) && Math.abs(value) < 1e16 ? `${text}.0` : text;
}
