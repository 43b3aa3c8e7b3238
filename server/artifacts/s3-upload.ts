// A stream into one S3 object with bounded memory: bytes are copied into a small pool of part-sized
// buffers (queueSize + 1 of them, reused), full parts go out as UploadPart requests, at most queueSize
// at once, and the body is read only as fast as parts leave. A body smaller than one part is a single
// PutObject. On any failure — the source's (a client that disconnects) or S3's — the multipart upload
// is aborted, so no object and no stray parts remain. (lib-storage's Upload concatenates incoming
// chunks into fresh buffers per part and keeps the remainder's whole buffer alive: ~3× the memory.)
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface UploadTarget {
  Bucket: string;
  Key: string;
  ContentType?: string;
  /** MLFLOW_S3_UPLOAD_EXTRA_ARGS: PutObject / CreateMultipartUpload parameters. */
  extra?: Record<string, unknown>;
}

export interface UploadOptions {
  partSize: number;
  queueSize: number;
}

export async function uploadStream(client: S3Client, target: UploadTarget, source: AsyncIterable<Buffer>, options: UploadOptions): Promise<number> {
  const { partSize, queueSize } = options;
  const base = { Bucket: target.Bucket, Key: target.Key };
  const free: Buffer[] = [];
  const take = (): Buffer => free.pop() ?? Buffer.allocUnsafe(partSize);

  let uploadId: string | undefined;
  const parts: { PartNumber: number; ETag: string }[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: unknown = null;
  let partNumber = 0;
  let total = 0;

  const send = async (buffer: Buffer, length: number): Promise<void> => {
    if (uploadId === undefined) {
      const created = await client.send(new CreateMultipartUploadCommand({ ...base, ContentType: target.ContentType, ...target.extra }));
      uploadId = created.UploadId!;
    }
    const number = ++partNumber;
    const p = client
      .send(new UploadPartCommand({ ...base, UploadId: uploadId, PartNumber: number, Body: buffer.subarray(0, length), ContentLength: length }))
      .then(
        (out) => {
          parts.push({ PartNumber: number, ETag: out.ETag ?? '' });
        },
        (e: unknown) => {
          failure ??= e;
        },
      )
      .finally(() => {
        free.push(buffer);
        inflight.delete(p);
      });
    inflight.add(p);
    while (inflight.size >= queueSize && failure === null) await Promise.race(inflight);
    if (failure !== null) throw failure;
  };

  let current = take();
  let fill = 0;
  try {
    for await (const chunk of source) {
      total += chunk.length;
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(partSize - fill, chunk.length - offset);
        chunk.copy(current, fill, offset, offset + n);
        fill += n;
        offset += n;
        if (fill === partSize) {
          await send(current, fill);
          current = take();
          fill = 0;
        }
      }
    }
    if (uploadId === undefined) {
      // Smaller than one part: one request, published atomically.
      await client.send(new PutObjectCommand({ ...base, Body: current.subarray(0, fill), ContentLength: fill, ContentType: target.ContentType, ...target.extra }));
      return total;
    }
    if (fill > 0) await send(current, fill);
    while (inflight.size > 0) await Promise.race(inflight);
    if (failure !== null) throw failure;
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new CompleteMultipartUploadCommand({ ...base, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return total;
  } catch (e) {
    await Promise.allSettled([...inflight]);
    if (uploadId !== undefined) {
      await client.send(new AbortMultipartUploadCommand({ ...base, UploadId: uploadId })).catch(() => {
        // The original error is what the caller needs; S3 expires the parts of an abandoned upload
        // with a lifecycle rule, if the bucket has one.
      });
    }
    throw e;
  }
}
