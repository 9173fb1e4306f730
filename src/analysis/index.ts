/**
 * The analysis stage's public API: derive a run folder's derived/*.json, build the confirmation pass's
 * list from grid-phase jobs, and check claims. Everything else in src/analysis, src/predict and
 * src/select is internal to the stage.
 */
export { deriveRun, deriveFromJobs, confirmListForRun, type DeriveOptions, type Derived } from './derive.js';
export { evaluateClaims, metricAt } from './claims.js';
export { buildConfirmList, ROW_ROLES, type ConfirmJob, type ConfirmRole, type RowRole } from '../select/confirm.js';
export { layerId, strategyId } from './layers.js';
export type * from './types.js';
