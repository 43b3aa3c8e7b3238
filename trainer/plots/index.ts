/** PNG charts for a trained model, pure JavaScript (own rasterizer, embedded font, node:zlib). */
export { rocCurvePng, prCurvePng } from './curves.js';
export type { RocSeries, PrSeries, PlotSize } from './curves.js';
export { confusionMatrixPng } from './confusion.js';
export type { ConfusionPlotOptions } from './confusion.js';
export { featureImportancePng } from './importance.js';
export type { ImportancePlotOptions } from './importance.js';
