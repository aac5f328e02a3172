import type { Scenario } from '../types.js';
import { LIBRARY_TRACKS } from './common.js';

/** Placeholder replaced below once the memory bound is measured. */
export const overLargeRange: Scenario = {
  name: 'over-large-range',
  item: '9',
  fault: 'enqueue --range-size 1000000',
  tracks: LIBRARY_TRACKS,
  async run() {
    throw new Error('not written yet');
  },
};
