// The artifact store seen by routes: a tree of files addressed by relative POSIX paths. The local
// store below is the only one today; an S3-compatible one can implement the same interface.
import type { Readable } from 'node:stream';

export interface ArtifactFileInfo {
  /** Path relative to the store root, POSIX separators. */
  path: string;
  isDir: boolean;
  /** Bytes; absent for directories. */
  fileSize?: number;
}

export interface ArtifactReadable {
  stream: Readable;
  size: number;
}

export interface ArtifactStore {
  /** Entries directly under `dir` ('' = root), sorted by name; [] when `dir` is missing or a file. */
  list(dir: string): Promise<ArtifactFileInfo[]>;
  /** Opens a file; RESOURCE_DOES_NOT_EXIST when missing, INVALID_PARAMETER_VALUE for a directory. */
  read(path: string): Promise<ArtifactReadable>;
  /**
   * Streams `body` to `path`, atomically: readers see the old file or the whole new one. With
   * `refuseEmpty`, an empty body throws its error and leaves the old file in place.
   */
  write(path: string, body: Readable, maxBytes?: number, refuseEmpty?: () => Error): Promise<number>;
  /** Deletes a file or a directory tree; a missing path is not an error. */
  delete(path: string): Promise<void>;
}
