// What the scoring server is asked to serve: `models:/<name>@<alias>` (followed as the alias moves),
// `models:/<name>/<version>` (fixed: a model version's files never change), or a local model directory
// (for scoring without a registry, e.g. batch jobs on a copied model).

export type ModelRef =
  | { kind: 'alias'; name: string; alias: string; uri: string }
  | { kind: 'version'; name: string; version: string; uri: string }
  | { kind: 'local'; dir: string; uri: string };

export class ModelUriError extends Error {
  override readonly name = 'ModelUriError';
}

const EXAMPLES = 'models:/churn@production, models:/churn/3 or a local model directory';

export function parseModelUri(uri: string): ModelRef {
  if (!uri.startsWith('models:')) {
    if (/^[a-z][a-z0-9+.-]*:\//i.test(uri) && !/^file:\/\//i.test(uri)) {
      throw new ModelUriError(`unsupported model URI '${uri}': use ${EXAMPLES}`);
    }
    const dir = uri.replace(/^file:\/\//i, '');
    return { kind: 'local', dir, uri };
  }
  const rest = uri.slice('models:'.length).replace(/^\/+/, '');
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const name = rest.slice(0, at);
    const alias = rest.slice(at + 1);
    if (!name || !alias || alias.includes('/')) throw new ModelUriError(`malformed model URI '${uri}': expected models:/<name>@<alias>`);
    return { kind: 'alias', name, alias, uri };
  }
  const slash = rest.lastIndexOf('/');
  const name = slash > 0 ? rest.slice(0, slash) : '';
  const version = slash > 0 ? rest.slice(slash + 1) : '';
  if (!name || !version) throw new ModelUriError(`malformed model URI '${uri}': expected ${EXAMPLES}`);
  if (!/^[1-9]\d*$/.test(version)) {
    // MLflow also accepts stages (models:/churn/Production) and `latest`; stages are deprecated in favour
    // of aliases, and `latest` silently changes what is served, so both are refused with a pointer.
    throw new ModelUriError(`model URI '${uri}': '${version}' is not a version number; to follow a moving target use an alias (models:/${name}@production)`);
  }
  return { kind: 'version', name, version, uri };
}

export function describeRef(ref: ModelRef): string {
  if (ref.kind === 'alias') return `${ref.name}@${ref.alias}`;
  if (ref.kind === 'version') return `${ref.name}/${ref.version}`;
  return ref.dir;
}
