// The basic-auth app's configuration, read as MLflow reads it (mlflow/server/auth/config.py): the
// [mlflow] section of the ini file MLFLOW_AUTH_CONFIG_PATH names, else MLflow's own basic_auth.ini
// defaults. The admin password may also come from MLFLOW_AUTH_ADMIN_PASSWORD.
import fs from 'node:fs';
import { ConfigError } from '../../config.js';
import { PERMISSION_NAMES, type PermissionName } from './permissions.js';

export const DEFAULT_AUTHORIZATION_FUNCTION = 'mlflow.server.auth:authenticate_request_basic_auth';

export interface BasicAuthConfig {
  defaultPermission: PermissionName;
  databaseUri: string;
  adminUsername: string;
  adminPassword: string | null;
  authorizationFunction: string;
}

/** key = value lines of one section; `#`/`;` comments; continuation lines are not supported. */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections.get(section[1]!.trim()) ?? new Map();
      sections.set(section[1]!.trim(), current);
      continue;
    }
    const eq = line.search(/[=:]/);
    if (eq < 0 || !current) continue;
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return sections;
}

export function readBasicAuthConfig(env: NodeJS.ProcessEnv = process.env): BasicAuthConfig {
  const file = env.MLFLOW_AUTH_CONFIG_PATH;
  let values = new Map<string, string>();
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`Cannot read MLFLOW_AUTH_CONFIG_PATH ${file}: ${(e as Error).message}`);
    }
    values = parseIni(text).get('mlflow') ?? new Map();
  }
  const defaultPermission = (values.get('default_permission') ?? 'READ').toUpperCase();
  if (!(PERMISSION_NAMES as readonly string[]).includes(defaultPermission)) {
    throw new ConfigError(`Invalid default_permission '${defaultPermission}' in ${file}: use one of ${PERMISSION_NAMES.join(', ')}`);
  }
  const authorizationFunction = values.get('authorization_function') ?? DEFAULT_AUTHORIZATION_FUNCTION;
  if (authorizationFunction !== DEFAULT_AUTHORIZATION_FUNCTION) {
    throw new ConfigError(
      `authorization_function '${authorizationFunction}' cannot run in Minflow (it names Python code); only ${DEFAULT_AUTHORIZATION_FUNCTION} (HTTP Basic) is supported`,
    );
  }
  const password = values.get('admin_password') || env.MLFLOW_AUTH_ADMIN_PASSWORD || null;
  return {
    defaultPermission: defaultPermission as PermissionName,
    databaseUri: values.get('database_uri') ?? 'sqlite:///basic_auth.db',
    adminUsername: values.get('admin_username') ?? 'admin',
    adminPassword: password,
    authorizationFunction,
  };
}
