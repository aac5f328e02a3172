import { readFileSync, writeFileSync } from 'node:fs';

/**
 * `node dist/tools/bench/scalingPlot.js OUT.svg REPORT.json…`: tracks/s of the fleet against the number of
 * consumers, from bench reports, with each run's in-database reference as a dashed mark. Plain SVG, no library.
 */
interface Report {
  options: { consumers: number; tracks: number };
  methods: { key: string; tracksPerSecond: number }[];
}

export function scalingSvg(reports: Report[]): string {
  const points = reports
    .map((r) => ({
      consumers: r.options.consumers,
      fleet: r.methods.find((m) => m.key === 'fleet')?.tracksPerSecond ?? 0,
      reference: r.methods.find((m) => m.key === 'in-database-2')?.tracksPerSecond ?? 0,
    }))
    .sort((a, b) => a.consumers - b.consumers);
  const width = 720, height = 320, left = 70, bottom = 40, top = 30, right = 20;
  const maxY = Math.max(...points.flatMap((p) => [p.fleet, p.reference])) * 1.15;
  const slot = (width - left - right) / points.length;
  const y = (v: number) => top + (height - top - bottom) * (1 - v / maxY);
  const bars = points.map((p, i) => {
    const x = left + i * slot + slot * 0.2;
    const w = slot * 0.6;
    return `<rect x="${x.toFixed(1)}" y="${y(p.fleet).toFixed(1)}" width="${w.toFixed(1)}" height="${(height - bottom - y(p.fleet)).toFixed(1)}" fill="#3b82f6"/>` +
      `<line x1="${x.toFixed(1)}" x2="${(x + w).toFixed(1)}" y1="${y(p.reference).toFixed(1)}" y2="${y(p.reference).toFixed(1)}" stroke="#111" stroke-dasharray="4 3" stroke-width="2"/>` +
      `<text x="${(x + w / 2).toFixed(1)}" y="${(y(p.fleet) - 6).toFixed(1)}" text-anchor="middle" font-size="12">${p.fleet.toLocaleString('en')}</text>` +
      `<text x="${(x + w / 2).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12">${p.consumers}</text>`;
  });
  const tracks = reports[0]?.options.tracks ?? 0;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">Fleet tracks/s by consumers (${tracks.toLocaleString('en')} tracks, 2 CPUs); dashed: in-database reference, same run</text>
<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#999"/>
<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#999"/>
<text x="16" y="${(height - bottom + top) / 2}" font-size="12" transform="rotate(-90 16 ${(height - bottom + top) / 2})" text-anchor="middle">tracks/s</text>
<text x="${(width + left) / 2}" y="${height - 6}" text-anchor="middle" font-size="12">consumers</text>
${bars.join('\n')}
</svg>
`;
}

const [out, ...inputs] = process.argv.slice(2);
if (out && inputs.length > 0) {
  writeFileSync(out, scalingSvg(inputs.map((path) => JSON.parse(readFileSync(path, 'utf8')) as Report)));
  console.log(`wrote ${out} from ${inputs.length} report(s)`);
}
