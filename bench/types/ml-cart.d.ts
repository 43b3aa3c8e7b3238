// ml-cart ships no types; bench/trainer.ts uses only these (its baseline for our decision tree).
declare module 'ml-cart' {
  export class DecisionTreeClassifier {
    constructor(options: { gainFunction?: string; minNumSamples?: number; gainThreshold?: number; maxDepth?: number });
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
  }
}
