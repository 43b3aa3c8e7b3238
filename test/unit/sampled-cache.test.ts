// The sampled-history cache (server/store/sampled-cache.ts): an entry answers only for the row count it
// was made from, and the least recently used go first once the texts pass the bound.
import { describe, expect, it } from 'vitest';
import { SampledCache } from '../../server/store/sampled-cache.js';

describe('SampledCache', () => {
  it('answers only for the same row count', () => {
    const cache = new SampledCache(100);
    cache.set('a', 10, 'text-a');
    expect(cache.get('a', 10)).toBe('text-a');
    expect(cache.get('a', 11)).toBeUndefined();
    cache.set('a', 11, 'text-a2');
    expect(cache.get('a', 10)).toBeUndefined();
    expect(cache.get('a', 11)).toBe('text-a2');
    expect(cache.get('b', 10)).toBeUndefined();
  });

  it('drops the least recently used past the bound, and never keeps a text over it', () => {
    const cache = new SampledCache(30);
    cache.set('a', 1, 'x'.repeat(10));
    cache.set('b', 1, 'y'.repeat(10));
    cache.set('c', 1, 'z'.repeat(10));
    expect(cache.get('a', 1)).toBe('x'.repeat(10)); // a is now the most recent
    cache.set('d', 1, 'w'.repeat(10));
    expect(cache.get('b', 1)).toBeUndefined();
    expect([cache.get('a', 1), cache.get('c', 1), cache.get('d', 1)].every((t) => t !== undefined)).toBe(true);
    cache.set('e', 1, 'v'.repeat(31));
    expect(cache.get('e', 1)).toBeUndefined();
    expect(cache.get('d', 1)).toBe('w'.repeat(10));
  });
});
