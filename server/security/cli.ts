// `minflow users …` and `minflow tokens …`: manage the credentials files the server reads with
// --auth basic / --auth-tokens-file. A running server picks changes up within a second.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_USERS_FILE } from '../config.js';
import { CredentialsFile, validName, type CredentialEntry } from './credentials-file.js';
import { hashPassword, hashToken, isPasswordHash, isTokenHash, newToken } from './secrets.js';

export const DEFAULT_TOKENS_FILE = 'mlruns/minflow-tokens';
const MIN_PASSWORD_LENGTH = 8;

const USERS_HEADER = '# Minflow users (name:scrypt hash). Manage with `minflow users add|remove|list`.';
const TOKENS_HEADER = '# Minflow bearer tokens (name:SHA-256 of the token). Manage with `minflow tokens add|remove|list`.';

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads a line from the terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let text = '';
  try {
    for await (const chunk of stdin) {
      for (const ch of (chunk as Buffer).toString('utf8')) {
        if (ch === '\r' || ch === '\n') return text;
        if (ch === '\u0003') throw new UsageError('cancelled');
        if (ch === '\u007f') text = text.slice(0, -1);
        else text += ch;
      }
    }
    return text;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (process.env.MINFLOW_PASSWORD) return process.env.MINFLOW_PASSWORD;
  if (fromStdin || !process.stdin.isTTY) return readStdin();
  const first = await promptHidden('Password: ');
  if ((await promptHidden('Repeat it: ')) !== first) throw new UsageError('the passwords differ');
  return first;
}

function upsert(entries: readonly CredentialEntry[], entry: CredentialEntry): CredentialEntry[] {
  const out = entries.filter((e) => e.name !== entry.name);
  out.push(entry);
  return out;
}

interface Kind {
  what: 'users' | 'tokens';
  defaultFile: string;
  envFile: string;
  header: string;
  isHash: (h: string) => boolean;
  add(name: string, options: { passwordStdin: boolean }): Promise<{ hash: string; say: string }>;
}

const KINDS: Record<'users' | 'tokens', Kind> = {
  users: {
    what: 'users',
    defaultFile: DEFAULT_USERS_FILE,
    envFile: 'MINFLOW_AUTH_USERS_FILE',
    header: USERS_HEADER,
    isHash: isPasswordHash,
    async add(name, { passwordStdin }) {
      const password = await readPassword(passwordStdin);
      if (password.length < MIN_PASSWORD_LENGTH) throw new UsageError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
      return { hash: await hashPassword(password), say: `user '${name}' saved` };
    },
  },
  tokens: {
    what: 'tokens',
    defaultFile: DEFAULT_TOKENS_FILE,
    envFile: 'MINFLOW_AUTH_TOKENS_FILE',
    header: TOKENS_HEADER,
    isHash: isTokenHash,
    async add(name) {
      const token = newToken();
      // The token itself is shown once and never stored.
      return { hash: hashToken(token), say: `token '${name}' saved; give it to its client as MLFLOW_TRACKING_TOKEN:\n${token}` };
    },
  },
};

function usage(kind: Kind): string {
  const secret = kind.what === 'users' ? ' [--password-stdin]' : '';
  return [
    `Usage: minflow ${kind.what} add <name>${secret} [--file <path>]`,
    `       minflow ${kind.what} remove <name> [--file <path>]`,
    `       minflow ${kind.what} list [--file <path>]`,
    '',
    `The file defaults to $${kind.envFile} or ${kind.defaultFile}.`,
    kind.what === 'users'
      ? 'The password is asked for on a terminal, else read from stdin (or $MINFLOW_PASSWORD).'
      : 'The new token is printed once; only its SHA-256 is kept.',
  ].join('\n');
}

async function run(kind: Kind, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { file: { type: 'string' }, 'password-stdin': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const [action, name] = positionals;
  if (values.help || !action) {
    process.stdout.write(`${usage(kind)}\n`);
    return;
  }
  const file = new CredentialsFile(path.resolve(values.file ?? process.env[kind.envFile] ?? kind.defaultFile), kind.isHash);
  const entries = file.entries();
  if (action === 'list') {
    process.stdout.write(entries.map((e) => `${e.name}\n`).join(''));
    return;
  }
  if (!name || !validName(name)) throw new UsageError(`give a ${kind.what === 'users' ? 'user' : 'token'} name without ':' or spaces at its ends`);
  if (action === 'add') {
    const { hash, say } = await kind.add(name, { passwordStdin: values['password-stdin'] === true });
    file.write(upsert(entries, { name, hash }), kind.header);
    process.stdout.write(`${say}\n(${file.file})\n`);
  } else if (action === 'remove') {
    if (!entries.some((e) => e.name === name)) throw new UsageError(`no ${kind.what === 'users' ? 'user' : 'token'} '${name}' in ${file.file}`);
    file.write(
      entries.filter((e) => e.name !== name),
      kind.header,
    );
    process.stdout.write(`'${name}' removed (${file.file})\n`);
  } else {
    throw new UsageError(`unknown action '${action}'\n\n${usage(kind)}`);
  }
}

function runner(kind: Kind): (argv: string[]) => Promise<void> {
  return async (argv) => {
    try {
      await run(kind, argv);
    } catch (e) {
      if (!(e instanceof UsageError) && !(e instanceof TypeError && 'code' in e)) throw e;
      process.stderr.write(`minflow ${kind.what}: ${(e as Error).message}\n`);
      process.exit(2);
    }
  };
}

export const runUsers = runner(KINDS.users);
export const runTokens = runner(KINDS.tokens);
