// The artifact store seen by routes: a tree of files addressed by relative POSIX paths. The local
// store and the S3 store (s3-store.ts) implement it with the same semantics.
import type { Readable } from 'node:stream';
import type { ByteRange, RangeRequest } from './range.js';

export interface ArtifactFileInfo {
  /** Path relative to the store root, POSIX separators. */
  path: string;
  isDir: boolean;
  /** Bytes; absent for directories. */
  fileSize?: number;
}

export interface ArtifactReadable {
  stream: Readable;
  /** Bytes in `stream`: the file's size, or the range's length. */
  size: number;
  /** Set when a range was asked for: the bytes sent, and the file's whole size. */
  range?: ByteRange & { total: number };
}

/** What a HEAD answers with: a read's size and range, without the bytes. */
export type ArtifactHead = Omit<ArtifactReadable, 'stream'>;

export interface ArtifactStore {
  /**
   * The size (and range) read() would answer with, without reading a byte: HEAD requests. Optional:
   * a store without it is opened with read() and the stream closed unread (a local file's open and
   * fstat; an S3 store has HeadObject instead of a GET it would have to abort).
   */
  stat?(path: string, range?: RangeRequest): Promise<ArtifactHead>;
  /** Entries directly under `dir` ('' = root), sorted by name; [] when `dir` is missing or a file. */
  list(dir: string): Promise<ArtifactFileInfo[]>;
  /**
   * Opens a file, or only `range` of it; RESOURCE_DOES_NOT_EXIST when missing, INVALID_PARAMETER_VALUE
   * for a directory, RangeNotSatisfiable for a range past the end.
   */
  read(path: string, range?: RangeRequest): Promise<ArtifactReadable>;
  /**
   * Streams `body` to `path`, atomically: readers see the old file or the whole new one. With
   * `refuseEmpty`, an empty body throws its error and leaves the old file in place.
   */
  write(path: string, body: Readable, maxBytes?: number, refuseEmpty?: () => Error): Promise<number>;
  /** Deletes a file or a directory tree; a missing path is not an error. */
  delete(path: string): Promise<void>;
}

/** One presigned part URL of a multipart upload (MLflow's MultipartUploadCredential). */
export interface MultipartUploadCredential {
  url: string;
  part_number: number;
  headers: Record<string, string>;
}

export interface MultipartPart {
  part_number: number;
  etag: string;
}

/** MLflow's PresignedDownloadUrlResponse. */
export interface PresignedDownload {
  url: string;
  headers: Record<string, string>;
  file_size?: number;
}

/**
 * Stores that take MLflow's proxied multipart uploads (the client PUTs parts straight to presigned
 * URLs; the server creates, completes and aborts) and presigned downloads. `dir` is the artifact
 * directory, `localFile` the client's file path, whose basename names the artifact.
 */
export interface MultipartArtifactStore extends ArtifactStore {
  /** False when configured off: the store then answers like one without multipart support. */
  readonly multipartEnabled: boolean;
  createMultipartUpload(dir: string, localFile: string, numParts: number): Promise<{ upload_id: string; credentials: MultipartUploadCredential[] }>;
  completeMultipartUpload(dir: string, localFile: string, uploadId: string, parts: MultipartPart[]): Promise<void>;
  abortMultipartUpload(dir: string, localFile: string, uploadId: string): Promise<void>;
  presignedDownload(path: string): Promise<PresignedDownload>;
}

export function supportsMultipart(store: ArtifactStore): store is MultipartArtifactStore {
  const candidate = store as Partial<MultipartArtifactStore>;
  return typeof candidate.createMultipartUpload === 'function' && candidate.multipartEnabled === true;
}
