// The HTTP layer of the client: JSON requests against a tracking server, MLflow error bodies turned
// into MlflowRestError, and the same auth environment variables the Python client reads.

export class MlflowRestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(`${errorCode}: ${message}`);
    this.name = 'MlflowRestError';
  }
}

export interface HttpOptions {
  /** MLFLOW_TRACKING_TOKEN: sent as `Authorization: Bearer`. */
  token?: string;
  /** MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD: sent as basic auth. */
  username?: string;
  password?: string;
  /** Attempts for connection errors and 502/503/504 (default 3). */
  retries?: number;
}

type Query = Record<string, string | number | boolean | (string | number)[] | undefined>;

export class Http {
  readonly baseUrl: string;
  private readonly auth: string | undefined;
  private readonly retries: number;

  constructor(trackingUri: string, options: HttpOptions = {}) {
    this.baseUrl = trackingUri.replace(/\/+$/, '');
    const token = options.token ?? process.env.MLFLOW_TRACKING_TOKEN;
    const username = options.username ?? process.env.MLFLOW_TRACKING_USERNAME;
    const password = options.password ?? process.env.MLFLOW_TRACKING_PASSWORD;
    if (token) this.auth = `Bearer ${token}`;
    else if (username !== undefined && password !== undefined) {
      this.auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    this.retries = options.retries ?? 3;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.auth ? { authorization: this.auth } : {}), ...extra };
  }

  url(path: string, query?: Query): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) u.searchParams.append(k, String(item));
      else u.searchParams.set(k, String(v));
    }
    return u.toString();
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', this.url(path, query));
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('POST', this.url(path), body);
  }

  async send<T>(method: 'PATCH' | 'DELETE', path: string, body: unknown): Promise<T> {
    return this.json<T>(method, this.url(path), body);
  }

  /** A raw fetch with auth and retries, for artifact streams. */
  async fetch(url: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
    let lastError: unknown;
    // A streamed body cannot be replayed: only requests without one, or with a string/buffer, retry.
    const replayable = init.body === undefined || init.body === null || typeof init.body === 'string' || Buffer.isBuffer(init.body);
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        const res = await fetch(url, { ...init, headers: this.headers((init.headers as Record<string, string>) ?? {}) });
        if ([502, 503, 504].includes(res.status) && attempt < this.retries && replayable) {
          await res.arrayBuffer();
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          continue;
        }
        return res;
      } catch (e) {
        lastError = e;
        if (!replayable || attempt === this.retries) break;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
    throw new Error(`request to ${url} failed: ${(lastError as Error)?.message ?? lastError}`);
  }

  private async json<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await this.fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const err = parsed as { error_code?: string; message?: string } | undefined;
      throw new MlflowRestError(res.status, err?.error_code ?? `HTTP_${res.status}`, err?.message ?? text.slice(0, 500));
    }
    if (parsed === undefined) throw new MlflowRestError(res.status, 'INVALID_RESPONSE', `non-JSON response from ${url}`);
    return parsed as T;
  }
}
