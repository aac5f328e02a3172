import { readFileSync } from 'node:fs';

/**
 * uPlot (MIT), the charting library of the page: its browser build and stylesheet, copied from
 * node_modules/uplot/dist beside this file by scripts/copy-assets.mjs at build time and served as they are —
 * no bundler. Read once, when the dashboard starts: a missing copy fails the start, not a page load.
 */
export interface VendorAsset {
  type: string;
  body: string;
}

export function loadVendorAssets(): Record<string, VendorAsset> {
  const read = (name: string) => readFileSync(new URL(`./vendor/${name}`, import.meta.url), 'utf8');
  return {
    '/uplot.js': { type: 'text/javascript; charset=utf-8', body: read('uPlot.iife.min.js') },
    '/uplot.css': { type: 'text/css; charset=utf-8', body: read('uPlot.min.css') },
  };
}
