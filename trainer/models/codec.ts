/**
 * Typed arrays ⇄ base64 strings (little-endian bytes), so model files stay compact JSON and decode back
 * to the exact same numbers.
 */
type Typed = Float64Array | Float32Array | Int32Array | Uint8Array | Uint16Array;
type Ctor<T extends Typed> = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

export function encodeArray(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeArray<T extends Typed>(ctor: Ctor<T>, text: string): T {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % ctor.BYTES_PER_ELEMENT !== 0) throw new Error('corrupt model file: array length does not fit its type');
  // Copy into a fresh, aligned buffer: Buffer slices may sit at any offset of a shared pool.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new ctor(copy, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
}
