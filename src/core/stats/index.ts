// The statistics for reading an experiment (DESIGN.md "Reading an experiment"): pure functions, no I/O.
export { wilsonInterval, newcombeDifference, zFor } from './proportion.js';
export { mcnemarExact } from './mcnemar.js';
export { holm } from './holm.js';
export { meanSd, tInterval, welchTest, type MeanSd, type WelchResult } from './sample.js';
export { perClassFigures, macroF1, type ClassFigures } from './classFigures.js';
