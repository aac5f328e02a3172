#!/usr/bin/env node
// Writes samples/legacy-analysis.ndjson: 200 legacy analysis_data values in the `convert` input format
// (what `psql -At -c "SELECT to_json(analysis_data) FROM tracks"` prints). Seeded, so the file is
// reproducible: `node scripts/generate-legacy-sample.mjs` rewrites it byte for byte.
// Mostly good blobs of the old analyzer's versions; a few percent bad in the ways real libraries are bad.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const OUTPUT = fileURLToPath(new URL('../samples/legacy-analysis.ndjson', import.meta.url));
const LINES = 200;

/** mulberry32: a tiny seeded PRNG, so the sample does not change between runs. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(20240601);
const pick = (items) => items[Math.floor(random() * items.length)];
const chance = (p) => random() < p;
const score = () => Math.round(random() * 1000) / 1000;

const VERSIONS = ['1.0', '1.0', '1.1', '1.2', '1.2.3', '2.0-beta', 3, 1.5, 'v1'];
const KEYS = ['C major', 'A minor', 'G major', 'E minor', 'D major', 'F# minor', 'Bb major'];
const SCORE_KEYS = ['energy', 'danceability', 'mood_positivity', 'acoustic_probability', 'instrumental_probability'];

/** A blob the old analyzer wrote: some keys missing, some numbers as strings, extra keys it kept. */
function goodBlob() {
  const blob = {};
  if (!chance(0.08)) blob.version = pick(VERSIONS);
  for (const key of SCORE_KEYS) {
    if (chance(0.07)) continue; // older analyzers did not compute every score
    const value = score();
    blob[key] = chance(0.1) ? String(value) : value;
  }
  if (!chance(0.15)) blob.overall_confidence = score();
  blob.tempo = Math.round((60 + random() * 120) * 10) / 10;
  if (chance(0.8)) blob.tempo_confidence = chance(0.1) ? null : score();
  blob.key = pick(KEYS);
  if (chance(0.7)) blob.key_confidence = chance(0.1) ? null : score();
  if (chance(0.3)) blob.analyzer = { name: 'tracktion-analyzer', build: Math.floor(random() * 900) + 100 };
  if (chance(0.2)) blob.duration_ms = Math.floor(120000 + random() * 240000);
  return blob;
}

/** SQL NULL, printed as the line `null` (what `to_json` gives outside psql -A) rather than an empty line. */
const LITERAL_NULL = Symbol('null line');

/** Rare but real: each returns the text stored in analysis_data, or null for SQL NULL. */
const ODDITIES = [
  () => JSON.stringify(goodBlob()).slice(0, 40), // truncated by an old column size limit
  () => JSON.stringify(goodBlob()).slice(0, 71),
  () => JSON.stringify({ ...goodBlob(), energy: 'high' }), // a human-edited value
  () => JSON.stringify({ ...goodBlob(), danceability: true }),
  () => JSON.stringify({ ...goodBlob(), mood_positivity: [0.4, 0.6] }),
  () => '{"version": "1.0", "energy": 1e400, "danceability": 0.5}', // overflows a double
  () => JSON.stringify({ ...goodBlob(), version: '1.0\u0000' }), // NUL from a C analyzer
  () => '[0.5, 0.5, 0.5]', // an array of scores, not an object
  () => '{"energy": NaN, "danceability": 0.5}', // written by a lenient serializer
  () => "{'energy': 0.5, 'danceability': 0.7}", // Python repr, not JSON
  () => JSON.stringify({ ...goodBlob(), energy: 1.35, acoustic_probability: -0.02 }), // clamps
  () => JSON.stringify({ ...goodBlob(), instrumental_probability: 7 }), // clamps
  () => JSON.stringify({ ...goodBlob(), overall_confidence: 1.2 }), // not clamped
  () => 'null', // JSON null text: not an object
  () => '',
  () => null, // SQL NULL
  () => null,
  () => LITERAL_NULL, // SQL NULL written as a `null` line
  () => `  ${JSON.stringify(goodBlob(), null, 2)}\n`, // pretty-printed, with whitespace around
  () => '{"energy": 0.4, "energy": 0.6}', // duplicated key: the last wins
];

/** Every oddity once, at seeded positions; good blobs everywhere else. */
function legacyValues() {
  const values = Array.from({ length: LINES }, () => JSON.stringify(goodBlob()));
  const free = values.map((_, i) => i);
  for (const oddity of ODDITIES) {
    const [at] = free.splice(Math.floor(random() * free.length), 1);
    values[at] = oddity();
  }
  return values;
}

/** psql -At prints SQL NULL as an empty line, and to_json(text) as a JSON string. */
function toLine(value) {
  if (value === null) return '';
  if (value === LITERAL_NULL) return 'null';
  return JSON.stringify(value);
}

writeFileSync(OUTPUT, `${legacyValues().map(toLine).join('\n')}\n`);
