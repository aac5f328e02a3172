// tsc compiles TypeScript only; files the code reads at run time are copied beside the JS:
// the Lua scripts the coordinator loads, and the dashboard's charting library (uPlot, vendored as it ships).
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function copyLua(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyLua(path);
    else if (name.endsWith('.lua')) cpSync(path, join('dist', path));
  }
}
copyLua('src');

const vendor = join('dist', 'src', 'dashboard', 'assets', 'vendor');
mkdirSync(vendor, { recursive: true });
for (const name of ['uPlot.iife.min.js', 'uPlot.min.css', '../LICENSE']) {
  const target = name === '../LICENSE' ? 'uPlot.LICENSE' : name;
  cpSync(join('node_modules', 'uplot', 'dist', name), join(vendor, target));
}
