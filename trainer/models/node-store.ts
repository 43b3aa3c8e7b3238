/** Growable per-node arrays a tree is built into; `finish()` trims them into TreeArrays. */
import type { TreeArrays } from './tree-arrays.js';

export interface NodeFields {
  feature: number;
  threshold: number;
  missingLeft: boolean;
  value: number;
  impurity: number;
  weightedN: number;
  nSamples: number;
}

export class NodeStore {
  private n = 0;
  private feature: Int32Array;
  private threshold: Float64Array;
  private right: Int32Array;
  private missingLeft: Uint8Array;
  private value: Float64Array;
  private impurity: Float64Array;
  private weightedN: Float64Array;
  private nSamples: Int32Array;

  constructor(capacity: number) {
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.right = new Int32Array(capacity);
    this.missingLeft = new Uint8Array(capacity);
    this.value = new Float64Array(capacity);
    this.impurity = new Float64Array(capacity);
    this.weightedN = new Float64Array(capacity);
    this.nSamples = new Int32Array(capacity);
  }

  /**
   * Appends a node. Nodes arrive depth-first, left subtree first, so a left child is always its parent's
   * next node; for a right child pass `rightOf` = the parent, for any other node -1.
   */
  add(rightOf: number, f: NodeFields): number {
    if (this.n === this.feature.length) this.grow();
    const id = this.n++;
    this.feature[id] = f.feature;
    this.threshold[id] = f.threshold;
    this.right[id] = -1;
    this.missingLeft[id] = f.missingLeft ? 1 : 0;
    this.value[id] = f.value;
    this.impurity[id] = f.impurity;
    this.weightedN[id] = f.weightedN;
    this.nSamples[id] = f.nSamples;
    if (rightOf >= 0) this.right[rightOf] = id;
    return id;
  }

  private grow(): void {
    const cap = this.feature.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.feature = grow(this.feature, (n) => new Int32Array(n));
    this.threshold = grow(this.threshold, (n) => new Float64Array(n));
    this.right = grow(this.right, (n) => new Int32Array(n));
    this.missingLeft = grow(this.missingLeft, (n) => new Uint8Array(n));
    this.value = grow(this.value, (n) => new Float64Array(n));
    this.impurity = grow(this.impurity, (n) => new Float64Array(n));
    this.weightedN = grow(this.weightedN, (n) => new Float64Array(n));
    this.nSamples = grow(this.nSamples, (n) => new Int32Array(n));
  }

  finish(): TreeArrays {
    const n = this.n;
    return {
      nodeCount: n,
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      right: this.right.slice(0, n),
      missingLeft: this.missingLeft.slice(0, n),
      value: this.value.slice(0, n),
      impurity: this.impurity.slice(0, n),
      weightedN: this.weightedN.slice(0, n),
      nSamples: this.nSamples.slice(0, n),
    };
  }
}
