// The official UI build inside the compat venv's mlflow wheel (test/global-setup.ts creates the venv).
import fs from 'node:fs';
import path from 'node:path';
import { VENV } from '../../helpers/paths.js';

export function venvUiBuild(): string {
  const lib = path.join(VENV, 'lib');
  const pythons = fs.existsSync(lib) ? fs.readdirSync(lib).filter((d) => d.startsWith('python3')) : [];
  for (const python of pythons) {
    const dir = path.join(lib, python, 'site-packages', 'mlflow', 'server', 'js', 'build');
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  throw new Error(
    `no MLflow UI build under ${lib}/python3*/site-packages/mlflow/server/js/build: create the compat venv with ` +
      '`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt`',
  );
}
