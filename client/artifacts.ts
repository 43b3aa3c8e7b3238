// Artifacts through the server's proxy (`mlflow-artifacts:` URIs), streamed both ways: uploads read
// the file from disk as they send, downloads write to disk as they receive.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MlflowRestError, type Http } from './http.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

export interface ArtifactEntry {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** The server-relative path of a proxied artifact URI (`mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts`). */
export function proxyPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!m) throw new Error(`not a proxied artifact URI (mlflow-artifacts:/...): ${artifactUri}`);
  return m[1]!.replace(/\/+$/, '');
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

export class ArtifactClient {
  constructor(private readonly http: Http) {}

  private url(rel: string): string {
    return `${this.http.baseUrl}${PROXY}/${encodePath(rel)}`;
  }

  /** Uploads one file to `<artifactUri>/<artifactPath>`. */
  async logArtifact(artifactUri: string, localFile: string, artifactPath = path.basename(localFile)): Promise<void> {
    const { size } = await fsp.stat(localFile);
    const body = Readable.toWeb(fs.createReadStream(localFile)) as ReadableStream;
    const res = await this.http.fetch(this.url(join(proxyPath(artifactUri), artifactPath)), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      duplex: 'half',
    });
    await this.check(res, artifactPath);
  }

  async logBytes(artifactUri: string, artifactPath: string, data: Buffer | string, contentType = 'application/octet-stream'): Promise<void> {
    const res = await this.http.fetch(this.url(join(proxyPath(artifactUri), artifactPath)), {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body: typeof data === 'string' ? data : new Uint8Array(data),
    });
    await this.check(res, artifactPath);
  }

  /** Uploads a local directory tree under `<artifactUri>/<artifactPath>`. */
  async logArtifacts(artifactUri: string, localDir: string, artifactPath = ''): Promise<void> {
    for (const entry of await fsp.readdir(localDir, { withFileTypes: true })) {
      const local = path.join(localDir, entry.name);
      const remote = join(artifactPath, entry.name);
      if (entry.isDirectory()) await this.logArtifacts(artifactUri, local, remote);
      else await this.logArtifact(artifactUri, local, remote);
    }
  }

  async list(artifactUri: string, artifactPath = ''): Promise<ArtifactEntry[]> {
    const r = await this.http.get<{ files?: ArtifactEntry[] }>(PROXY, { path: join(proxyPath(artifactUri), artifactPath) });
    return (r.files ?? []).map((f) => ({ ...f, path: join(artifactPath, f.path) }));
  }

  async readBytes(artifactUri: string, artifactPath: string): Promise<Buffer> {
    const res = await this.http.fetch(this.url(join(proxyPath(artifactUri), artifactPath)));
    await this.check(res, artifactPath, false);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Downloads a file or a whole directory to `localDir`; returns the local path. */
  async download(artifactUri: string, artifactPath: string, localDir: string): Promise<string> {
    const entries = await this.list(artifactUri, artifactPath);
    const target = path.join(localDir, artifactPath);
    if (entries.length === 0) {
      await fsp.mkdir(path.dirname(target), { recursive: true });
      const res = await this.http.fetch(this.url(join(proxyPath(artifactUri), artifactPath)));
      await this.check(res, artifactPath, false);
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(target));
      return target;
    }
    await fsp.mkdir(target, { recursive: true });
    for (const e of entries) await this.download(artifactUri, e.path, localDir);
    return target;
  }

  private async check(res: Response, artifactPath: string, drain = true): Promise<void> {
    if (res.ok) {
      if (drain) await res.arrayBuffer();
      return;
    }
    const text = await res.text();
    let body: { error_code?: string; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON
    }
    throw new MlflowRestError(res.status, body.error_code ?? `HTTP_${res.status}`, body.message ?? `artifact ${artifactPath}: ${text.slice(0, 200)}`);
  }
}
