// Artifacts as objects under one S3 prefix (`s3://bucket/prefix`), with the local store's semantics:
// keys are the same validated relative paths (no `..`, no absolute paths, so nothing leaves the prefix),
// a prefix with objects below it is a directory, listings are sorted the same way, a directory delete
// removes its whole subtree. Uploads stream into S3 multipart uploads a few parts at a time
// (s3-upload.ts); an upload that fails or is cut off is aborted, so no partial object ever becomes
// visible (S3 publishes an object only on PutObject / CompleteMultipartUpload, atomically).
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { MlflowError, invalidParameter, notFound } from '../errors.js';
import { invalidPath, validatePathIsSafe } from './safe-path.js';
import { guessMimeType } from './send.js';
import { isS3NotFound, s3Error, s3ErrorCode } from './s3-errors.js';
import { RangeNotSatisfiable, resolveRange, type RangeRequest } from './range.js';
import { presignS3Url } from './s3-presign.js';
import { uploadStream } from './s3-upload.js';
import type { S3Settings } from './s3-config.js';
import type { ArtifactFileInfo, ArtifactHead, ArtifactReadable, MultipartArtifactStore, MultipartPart, MultipartUploadCredential, PresignedDownload } from './store.js';

const MiB = 1024 * 1024;

export interface S3StoreOptions {
  /** Bytes per multipart part (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts uploaded at once; the memory an upload holds is partSize × (queueSize + 1). */
  queueSize?: number;
  /** Lifetime of presigned part-upload and download URLs. */
  presignExpiresSeconds?: number;
}

const compare = (a: ArtifactFileInfo, b: ArtifactFileInfo) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export class S3ArtifactStore implements MultipartArtifactStore {
  /** Key prefix without slashes at either end ('' = the bucket root). */
  readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly presignExpires: number;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    prefix: string,
    private readonly settings: S3Settings,
    options: S3StoreOptions = {},
  ) {
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
    // S3's smallest part, 3 buffers = 15 MiB per upload in flight: a 1 GiB upload's RSS growth stays
    // well under 64 MiB (bench/s3-transfer.ts) while two parts travel at once.
    this.partSize = options.partSize ?? 5 * MiB;
    this.queueSize = options.queueSize ?? 2;
    this.presignExpires = options.presignExpiresSeconds ?? 3600;
  }

  get multipartEnabled(): boolean {
    return this.settings.presignedTransfers;
  }

  /** `s3://bucket/prefix`, for messages. */
  get uri(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  /** The object key of a validated relative path ('' = the prefix itself). */
  private key(safe: string): string {
    // The local store's limits hold here too (a name over 255 bytes cannot exist on disk), and S3's
    // own: a key is at most 1024 bytes. Refused as the client's mistake, before S3 is asked.
    if (safe.split('/').some((name) => Buffer.byteLength(name) > 255)) throw invalidParameter(`Invalid artifact path '${safe}': a name is too long`);
    const key = [this.prefix, safe].filter((p) => p !== '').join('/');
    if (Buffer.byteLength(key) > 1024) throw invalidParameter(`Invalid artifact path '${safe}': an S3 object key is at most 1024 bytes`);
    return key;
  }

  /** The listing prefix of a directory: its key and a slash ('' for the root of a bucket). */
  private dirPrefix(safe: string): string {
    const k = this.key(safe);
    return k === '' ? '' : `${k}/`;
  }

  private where(safe: string): string {
    return `${this.uri}${safe ? `/${safe}` : ''}`;
  }

  /** HeadBucket: a clear refusal when the bucket is missing or not ours to use. */
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const code = s3ErrorCode(e);
      if (status === 404 || code === 'NoSuchBucket' || code === 'NotFound') {
        throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `The S3 bucket '${this.bucket}' of ${this.uri} does not exist${this.endpointNote()}`);
      }
      if (status === 403 || status === 401) {
        throw new MlflowError('PERMISSION_DENIED', `S3 refused access to the bucket '${this.bucket}' of ${this.uri}${this.endpointNote()}: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (${code ?? `HTTP ${status}`})`);
      }
      throw s3Error(e, `reach the bucket of ${this.uri}${this.endpointNote()}`);
    }
  }

  private endpointNote(): string {
    return this.settings.endpoint ? ` at ${this.settings.endpoint}` : '';
  }

  /** Whether any object lies below `safe` as a directory. */
  private async isDirectory(safe: string): Promise<boolean> {
    if (safe === '') return true;
    try {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.dirPrefix(safe), MaxKeys: 1 }));
      return (out.KeyCount ?? out.Contents?.length ?? 0) > 0;
    } catch (e) {
      throw s3Error(e, `list ${this.where(safe)}`);
    }
  }

  private async objectExists(safe: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(safe) }));
      return true;
    } catch (e) {
      if (isS3NotFound(e)) return false;
      throw s3Error(e, `read ${this.where(safe)}`);
    }
  }

  async list(dir: string): Promise<ArtifactFileInfo[]> {
    const base = validatePathIsSafe(dir);
    const prefix = this.dirPrefix(base);
    const out: ArtifactFileInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
        );
        for (const p of page.CommonPrefixes ?? []) {
          const name = (p.Prefix ?? '').slice(prefix.length).replace(/\/$/, '');
          if (acceptableName(name)) out.push({ path: base ? `${base}/${name}` : name, isDir: true });
        }
        for (const o of page.Contents ?? []) {
          const name = (o.Key ?? '').slice(prefix.length);
          // `dir/` markers (zero-byte keys ending in a slash) make a directory, not a file.
          if (!acceptableName(name)) continue;
          out.push({ path: base ? `${base}/${name}` : name, isDir: false, fileSize: Number(o.Size ?? 0) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw s3Error(e, `list ${this.where(base)}`);
    }
    return out.sort(compare);
  }

  async read(rel: string, range?: RangeRequest): Promise<ArtifactReadable> {
    const safe = validatePathIsSafe(rel);
    if (safe === '') throw invalidParameter(`Artifact path refers to a directory, not a file: ''`);
    const Range = range === undefined ? undefined : 'suffix' in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end ?? ''}`;
    if (range && 'suffix' in range && range.suffix === 0) throw new RangeNotSatisfiable(await this.sizeOf(safe));
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(safe), Range }));
      const stream = out.Body as Readable;
      const size = Number(out.ContentLength ?? 0);
      if (!range) return { stream, size };
      // bytes start-end/total; an empty object answers 200 without Content-Range.
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(out.ContentRange ?? '');
      if (!m) {
        if (size > 0) return { stream, size }; // a store that ignored the Range: the whole file, as 200
        stream.destroy();
        throw new RangeNotSatisfiable(0);
      }
      return { stream, size, range: { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) } };
    } catch (e) {
      if (e instanceof RangeNotSatisfiable) throw e;
      if (s3ErrorCode(e) === 'InvalidRange' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        throw new RangeNotSatisfiable(await this.sizeOf(safe));
      }
      if (isS3NotFound(e)) {
        if (await this.isDirectory(safe)) throw invalidParameter(`Artifact path refers to a directory, not a file: '${safe}'`);
        throw notFound(`No such artifact: '${safe}'`);
      }
      throw s3Error(e, `read ${this.where(safe)}`);
    }
  }

  /** HeadObject: the size (and range) a read would answer, for HEAD requests; no bytes move. */
  async stat(rel: string, range?: RangeRequest): Promise<ArtifactHead> {
    const safe = validatePathIsSafe(rel);
    if (safe === '') throw invalidParameter(`Artifact path refers to a directory, not a file: ''`);
    let size: number;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(safe) }));
      size = Number(head.ContentLength ?? 0);
    } catch (e) {
      if (isS3NotFound(e)) {
        if (await this.isDirectory(safe)) throw invalidParameter(`Artifact path refers to a directory, not a file: '${safe}'`);
        throw notFound(`No such artifact: '${safe}'`);
      }
      throw s3Error(e, `read ${this.where(safe)}`);
    }
    if (!range) return { size };
    const bytes = resolveRange(range, size);
    return { size: bytes.end - bytes.start + 1, range: { ...bytes, total: size } };
  }

  private async sizeOf(safe: string): Promise<number> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(safe) }));
      return Number(head.ContentLength ?? 0);
    } catch (e) {
      if (isS3NotFound(e)) throw notFound(`No such artifact: '${safe}'`);
      throw s3Error(e, `read ${this.where(safe)}`);
    }
  }

  /**
   * The local store's refusals, before any byte is sent: a file on the way (`a` when writing `a/b`)
   * or a directory at the target. S3 itself would let `a` and `a/b` coexist, and listings would then
   * show one name twice.
   */
  private async checkWritable(safe: string): Promise<void> {
    const parts = safe.split('/');
    const ancestors = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    const [fileOnTheWay, isDir] = await Promise.all([
      Promise.all(ancestors.map((a) => this.objectExists(a))).then((found) => found.some(Boolean)),
      this.isDirectory(safe),
    ]);
    if (fileOnTheWay) throw invalidParameter(`Invalid artifact path '${safe}': a file stands where a directory must be`);
    if (isDir) throw invalidParameter(`Artifact path refers to a directory, not a file: '${safe}'`);
  }

  async write(rel: string, body: Readable, maxBytes = Number.POSITIVE_INFINITY, refuseEmpty?: () => Error): Promise<number> {
    const safe = validatePathIsSafe(rel);
    if (safe === '') throw invalidPath();
    // A refusal leaves the request body alone: destroying it would close the client's connection
    // before the error JSON is written (the local store answers these as 400 the same way).
    await this.checkWritable(safe);
    const source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let written = 0;
    let first: IteratorResult<Buffer>;
    try {
      first = await source.next();
    } catch (e) {
      body.destroy();
      throw e;
    }
    // Checked before anything is sent, so an empty upload never replaces what is there.
    if (first.done && refuseEmpty) {
      throw refuseEmpty();
    }
    const counted = async function* (): AsyncGenerator<Buffer> {
      let next = first;
      while (!next.done) {
        written += next.value.length;
        if (written > maxBytes) throw new MlflowError('INVALID_PARAMETER_VALUE', `Artifact exceeds the maximum size of ${maxBytes} bytes`, 413);
        yield next.value;
        next = await source.next();
      }
    };
    try {
      await uploadStream(
        this.client,
        { Bucket: this.bucket, Key: this.key(safe), ContentType: guessMimeType(safe), extra: this.settings.uploadExtraArgs },
        counted(),
        { partSize: this.partSize, queueSize: this.queueSize },
      );
    } catch (e) {
      // The multipart upload has been aborted. The rest of the body is left unread (not destroyed),
      // so the client still gets the error JSON before Node closes the connection.
      throw s3Error(e, `write ${this.where(safe)}`);
    }
    return written;
  }

  async delete(rel: string): Promise<void> {
    const safe = validatePathIsSafe(rel);
    if (safe === '') throw invalidPath();
    const prefix = this.dirPrefix(safe);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(safe) }));
      let token: string | undefined;
      do {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
        await this.deleteKeys((page.Contents ?? []).map((o) => o.Key!).filter((k) => k.startsWith(prefix)));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      // Filer-backed stores (SeaweedFS) keep a directory after its last object goes and list it as a
      // common prefix, also one that only ever held directories; deleting the `dir/` keys, deepest
      // first, removes them. On S3 the walk finds nothing (one request) or markers, which must go too.
      const folders: string[] = [prefix];
      for (let i = 0; i < folders.length; i++) {
        let next: string | undefined;
        do {
          const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folders[i], Delimiter: '/', ContinuationToken: next }));
          for (const p of page.CommonPrefixes ?? []) if (p.Prefix && p.Prefix.startsWith(prefix) && p.Prefix !== folders[i]) folders.push(p.Prefix);
          next = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (next);
      }
      const depth = (k: string) => k.split('/').length;
      await this.deleteKeys(folders.sort((a, b) => depth(b) - depth(a)));
    } catch (e) {
      throw s3Error(e, `delete ${this.where(safe)}`);
    }
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      const out = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }));
      const failed = out.Errors?.[0];
      if (failed) throw new MlflowError('INTERNAL_ERROR', `Failed to delete s3://${this.bucket}/${failed.Key ?? ''}: ${failed.Code ?? ''} ${failed.Message ?? ''}`.trim());
    }
  }

  // MLflow's proxied multipart upload (MultipartUploadMixin): the client PUTs each part straight to
  // a presigned S3 URL and the server completes or aborts. `dir` is the artifact directory of the
  // URL, `localFile` the client's file path, whose basename is the artifact's name.

  private multipartKey(dir: string, localFile: string): string {
    const name = path.posix.basename(localFile.replace(/\\/g, '/'));
    const safe = validatePathIsSafe([validatePathIsSafe(dir), validatePathIsSafe(name)].filter((p) => p !== '').join('/'));
    if (safe === '' || safe === validatePathIsSafe(dir)) throw invalidPath();
    return safe;
  }

  async createMultipartUpload(dir: string, localFile: string, numParts: number): Promise<{ upload_id: string; credentials: MultipartUploadCredential[] }> {
    if (!Number.isInteger(numParts) || numParts < 1 || numParts > 10_000) {
      throw invalidParameter(`num_parts must be between 1 and 10000, not ${numParts}`);
    }
    const safe = this.multipartKey(dir, localFile);
    await this.checkWritable(safe);
    let uploadId: string;
    try {
      const out = await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(safe), ContentType: guessMimeType(safe), ...this.settings.uploadExtraArgs }),
      );
      uploadId = out.UploadId!;
    } catch (e) {
      throw s3Error(e, `start a multipart upload to ${this.where(safe)}`);
    }
    const credentials: MultipartUploadCredential[] = [];
    for (let i = 1; i <= numParts; i++) {
      credentials.push({ url: await this.presign('PUT', safe, { partNumber: String(i), uploadId }), part_number: i, headers: {} });
    }
    return { upload_id: uploadId, credentials };
  }

  async completeMultipartUpload(dir: string, localFile: string, uploadId: string, parts: MultipartPart[]): Promise<void> {
    const safe = this.multipartKey(dir, localFile);
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key(safe),
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.part_number, ETag: p.etag })) },
        }),
      );
    } catch (e) {
      throw s3Error(e, `complete the multipart upload to ${this.where(safe)}`);
    }
  }

  async abortMultipartUpload(dir: string, localFile: string, uploadId: string): Promise<void> {
    const safe = this.multipartKey(dir, localFile);
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(safe), UploadId: uploadId }));
    } catch (e) {
      throw s3Error(e, `abort the multipart upload to ${this.where(safe)}`);
    }
  }

  /** MultipartDownloadMixin.get_download_presigned_url: a URL the client reads (with Range) straight from S3. */
  async presignedDownload(rel: string): Promise<PresignedDownload> {
    const safe = validatePathIsSafe(rel);
    if (safe === '') throw invalidParameter(`Artifact path refers to a directory, not a file: ''`);
    let size: number | undefined;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(safe) }));
      size = head.ContentLength;
    } catch (e) {
      if (isS3NotFound(e)) throw notFound(`No such artifact: '${safe}'`);
      throw s3Error(e, `read ${this.where(safe)}`);
    }
    const name = safe.split('/').pop()!;
    const disposition = /^[\x20-\x7e]*$/.test(name)
      ? `attachment; filename="${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
      : `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
    const url = await this.presign('GET', safe, { 'response-content-disposition': disposition });
    return { url, headers: {}, ...(size !== undefined ? { file_size: size } : {}) };
  }

  private async presign(method: 'GET' | 'PUT', safe: string, query: Record<string, string>): Promise<string> {
    const credentials = await this.client.config.credentials();
    const region = await this.client.config.region();
    const endpoint = this.settings.endpoint?.replace(/\/+$/, '');
    let bucketUrl: string;
    if (endpoint) bucketUrl = this.settings.forcePathStyle ? `${endpoint}/${this.bucket}` : endpoint.replace('://', `://${this.bucket}.`);
    else bucketUrl = this.settings.forcePathStyle || this.bucket.includes('.') ? `https://s3.${region}.amazonaws.com/${this.bucket}` : `https://${this.bucket}.s3.${region}.amazonaws.com`;
    return presignS3Url({ method, bucketUrl, key: this.key(safe), query, credentials, region, expiresInSeconds: this.presignExpires });
  }
}

/** Names a listing can show: not empty (`a//b`), not `.` or `..`, no slash (a `dir/` marker). */
function acceptableName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/');
}
