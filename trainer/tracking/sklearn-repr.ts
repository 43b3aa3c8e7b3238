// Python values as scikit-learn shows them, for params logged the way `mlflow.sklearn.autolog()` logs
// them: autolog stores `str(value)` of every `get_params(deep=True)` entry, and for an estimator (or a
// list of `(name, estimator)` steps) that is scikit-learn's own repr — only the parameters changed from
// their defaults, sorted, and wrapped at 80 columns by its pretty printer
// (sklearn/utils/_pprint.py: _EstimatorPrettyPrinter(compact=True, indent_at_name=True) over Python's
// pprint). This is a port of the parts our estimators reach; a unit test checks it against
// scikit-learn's output.

export type PyValue =
  | { py: 'scalar'; repr: string; str: string }
  | { py: 'list' | 'tuple'; items: PyValue[] }
  | PyEstimator;

export interface PyEstimator {
  py: 'estimator';
  /** Class name, e.g. DecisionTreeClassifier. */
  name: string;
  /** `get_params(deep=False)`. */
  params: Record<string, PyValue>;
  /** repr() of each constructor default; a parameter without one (e.g. Pipeline's steps) is always shown. */
  defaults: Record<string, string>;
  /** Named sub-estimators a composite (Pipeline, VotingClassifier) adds to `get_params(deep=True)`. */
  components?: [string, PyEstimator][];
}

const WIDTH = 80;

/** Python's repr() of a float: shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return negative ? `-${body}` : body;
}

/** Python's repr() of a str (single quotes unless the text holds one and no double quote). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escaped = s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

export const py = {
  none: (): PyValue => ({ py: 'scalar', repr: 'None', str: 'None' }),
  bool: (b: boolean): PyValue => ({ py: 'scalar', repr: b ? 'True' : 'False', str: b ? 'True' : 'False' }),
  int: (n: number): PyValue => ({ py: 'scalar', repr: String(n), str: String(n) }),
  float: (x: number): PyValue => ({ py: 'scalar', repr: pyFloatRepr(x), str: pyFloatRepr(x) }),
  str: (s: string): PyValue => ({ py: 'scalar', repr: pyStrRepr(s), str: s }),
  list: (items: PyValue[]): PyValue => ({ py: 'list', items }),
  tuple: (items: PyValue[]): PyValue => ({ py: 'tuple', items }),
};

function changedParams(e: PyEstimator): [string, PyValue][] {
  return Object.keys(e.params)
    .sort()
    .filter((k) => {
      const d = e.defaults[k];
      const v = e.params[k]!;
      if (d === undefined) return true;
      return oneLine(v) !== d;
    })
    .map((k) => [k, e.params[k]!]);
}

/** pprint's _safe_repr: the whole value on one line. */
function oneLine(v: PyValue): string {
  switch (v.py) {
    case 'scalar':
      return v.repr;
    case 'list':
      return `[${v.items.map(oneLine).join(', ')}]`;
    case 'tuple':
      return v.items.length === 1 ? `(${oneLine(v.items[0]!)},)` : `(${v.items.map(oneLine).join(', ')})`;
    case 'estimator':
      return `${v.name}(${changedParams(v)
        .map(([k, p]) => `${k}=${oneLine(p)}`)
        .join(', ')})`;
  }
}

type Node = PyValue | { py: 'param'; key: string; value: PyValue };

function nodeLine(n: Node): string {
  // A parameter is a KeyValTupleParam: its one-line form, for the width check, is the tuple's repr.
  return n.py === 'param' ? `(${pyStrRepr(n.key)}, ${oneLine(n.value)})` : oneLine(n);
}

class Printer {
  out = '';

  format(n: Node, indent: number, allowance: number): void {
    const rep = nodeLine(n);
    if (rep.length > WIDTH - indent - allowance) {
      switch (n.py) {
        case 'estimator':
          this.out += `${n.name}(`;
          this.items(changedParams(n).map(([key, value]) => ({ py: 'param', key, value })), indent + n.name.length, allowance + 1);
          this.out += ')';
          return;
        case 'list':
          this.out += '[';
          this.items(n.items, indent, allowance + 1);
          this.out += ']';
          return;
        case 'tuple': {
          const end = n.items.length === 1 ? ',)' : ')';
          this.out += '(';
          this.items(n.items, indent, allowance + end.length);
          this.out += end;
          return;
        }
        case 'param':
          this.out += `${n.key}=`;
          this.format(n.value, indent + n.key.length + 1, allowance);
          return;
        case 'scalar':
          break;
      }
    }
    this.out += n.py === 'param' ? `${n.key}=${oneLine(n.value)}` : rep;
  }

  /** _format_items / _format_params_or_dict_items with compact=True (one indent step per level). */
  private items(nodes: Node[], indentIn: number, allowance: number): void {
    const indent = indentIn + 1;
    const delimNl = `,\n${' '.repeat(indent)}`;
    let delim = '';
    let width = WIDTH - indent + 1;
    let maxWidth = width;
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      if (last) {
        maxWidth -= allowance;
        width -= allowance;
      }
      const rep = n.py === 'param' ? `${n.key}=${oneLine(n.value)}` : oneLine(n);
      const w = rep.length + 2;
      if (width < w) {
        width = maxWidth;
        if (delim) delim = delimNl;
      }
      if (width >= w) {
        width -= w;
        this.out += delim + rep;
        delim = ', ';
        return;
      }
      this.out += delim;
      delim = delimNl;
      this.format(n, indent, last ? allowance : 1);
    });
  }
}

/** repr(value) as Python prints it (an estimator through scikit-learn's pretty printer). */
export function pyRepr(v: PyValue): string {
  switch (v.py) {
    case 'scalar':
      return v.repr;
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'tuple':
      return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(', ')})`;
    case 'estimator': {
      const p = new Printer();
      p.format(v, 0, 0);
      return p.out;
    }
  }
}

/** str(value): what autolog logs as a param's value. */
export function pyStr(v: PyValue): string {
  return v.py === 'scalar' ? v.str : pyRepr(v);
}

/**
 * `get_params(deep=True)`: the own params; a composite's named sub-estimators (`_BaseComposition._get_params`)
 * and any estimator-valued param, each followed by its own deep params as `<name>__<param>`.
 */
export function deepParams(e: PyEstimator): Record<string, PyValue> {
  const out: Record<string, PyValue> = { ...e.params };
  const nested: [string, PyEstimator][] = [
    ...Object.entries(e.params).filter((kv): kv is [string, PyEstimator] => kv[1].py === 'estimator'),
    ...(e.components ?? []),
  ];
  for (const [name, sub] of nested) {
    out[name] = sub;
    for (const [k, v] of Object.entries(deepParams(sub))) out[`${name}__${k}`] = v;
  }
  return out;
}
