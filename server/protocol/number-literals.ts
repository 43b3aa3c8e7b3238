// Which numbers of a JSON body were written as floats. JSON.parse turns `9.0` into 9, but MLflow's
// handlers see Python's float 9.0 and say so: "Invalid value 9.0 … Value was of type 'float'". The
// body is lexed once more — only when it holds a float literal with an integral value, which is rare —
// and the integral values it wrote as floats (and those it wrote as ints) are kept beside the parsed
// object, for the error messages of its coercion (fields.ts). A value written both ways in one body is
// printed as an int: the message cannot tell the two apart.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const MAYBE_FLOAT = /\d\.\d|\d[eE]/;

export interface NumberLiterals {
  floats: Set<number>;
  ints: Set<number>;
}

const literalsOf = new WeakMap<object, NumberLiterals>();

/** Records the integral float literals of `text` for `parsed` (the object JSON.parse made of it). */
export function noteNumberLiterals(text: string, parsed: unknown): void {
  const literals: NumberLiterals = { floats: new Set(), ints: new Set() };
  collectNumberLiterals(text, literals);
  recordNumberLiterals(parsed, literals);
}

/** Adds the integral number literals of `text` (a body, or a piece of one) to `into`. */
export function collectNumberLiterals(text: string, into: NumberLiterals): void {
  if (!MAYBE_FLOAT.test(text)) return;
  for (const [token] of text.matchAll(TOKENS)) {
    if (token.startsWith('"')) continue;
    const value = Number(token);
    if (!Number.isInteger(value)) continue;
    if (/[.eE]/.test(token)) into.floats.add(value);
    else into.ints.add(value);
  }
}

/** Keeps `literals` beside `parsed` when it wrote any integral float. */
export function recordNumberLiterals(parsed: unknown, literals: NumberLiterals): void {
  if (parsed !== null && typeof parsed === 'object' && literals.floats.size > 0) literalsOf.set(parsed, literals);
}

export function numberLiteralsOf(parsed: object): NumberLiterals | undefined {
  return literalsOf.get(parsed);
}

/** Set while a request is coerced (synchronously), so an error message can ask about its numbers. */
let current: NumberLiterals | undefined;

export function withNumberLiterals<T>(literals: NumberLiterals | undefined, fn: () => T): T {
  const outer = current;
  current = literals;
  try {
    return fn();
  } finally {
    current = outer;
  }
}

/** True when the body being coerced wrote this integral number as a float (9.0, 9e0). */
export function writtenAsFloat(value: number): boolean {
  return current !== undefined && current.floats.has(value) && !current.ints.has(value);
}
