import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

/** `tracktion-migrate convert`, run as a user runs it: lines in, lines out, exit codes. */

const SAMPLE = fileURLToPath(new URL('../../../samples/legacy-analysis.ndjson', import.meta.url));
const NOW = ['--now', '2024-06-01T00:00:00Z'];
const line = (text: string): string => JSON.stringify(text);

describe('tracktion-migrate convert', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tm-convert-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('converts stdin, one exact output line per input line, in order', async () => {
    const input = [
      line('{"energy": 0.25, "danceability": "1.5", "version": 3, "tempo_confidence": null}'),
      'null',
      '',
      line('{"energy": "high"}'),
      line('[1]'),
      line('{oops'),
    ].join('\n');
    const result = await runCli(['convert', ...NOW, '--analysis-version', '2024.9'], { input: `${input}\n` });
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout.split('\n')).to.deep.equal([
      '{"outcome":"converted","energy_level":0.25,"danceability":1,"valence":0.5,"acousticness":0.5,' +
        '"instrumentalness":0.1,"analysis_version":"2024.9","confidence_score":0.8,"metadata":{' +
        '"migration_date":"2024-06-01T00:00:00.000Z","original_version":3,' +
        '"migration_notes":"Migrated from legacy format","tempo_confidence":null,' +
        '"defaulted_fields":["valence","acousticness","instrumentalness"],"clamped_fields":["danceability"]}}',
      '{"outcome":"skipped"}',
      '{"outcome":"skipped"}',
      '{"outcome":"error","code":"invalid_value","key":"energy","message":"energy must be a number or a numeric string: \\"high\\""}',
      '{"outcome":"error","code":"not_an_object","key":null,"message":"analysis_data is not a JSON object (an array): [1]"}',
      '{"outcome":"error","code":"invalid_json","key":null,"message":"analysis_data is not valid JSON text: \\"{oops\\""}',
      '',
    ]);
  });

  it('reads a FILE argument, CRLF line ends included, and a last line without a newline', async () => {
    const file = join(dir, 'crlf.ndjson');
    await writeFile(file, `${line('{}')}\r\nnull\r\n${line('{"energy": -1}')}`);
    const result = await runCli(['convert', ...NOW, file]);
    expect(result.code).to.equal(0);
    const outcomes = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outcomes.map((o) => o.outcome)).to.deep.equal(['converted', 'skipped', 'converted']);
    expect(outcomes[2]).to.include({ energy_level: 0 });
  });

  it('a line that is not a JSON string, null or empty is a usage error naming the line (exit 64)', async () => {
    const input = [line('{}'), 'null', '{"energy": 0.5}', line('{}')].join('\n');
    const result = await runCli(['convert', ...NOW], { input });
    expect(result.code).to.equal(64);
    expect(result.stderr).to.match(/input line 3 is not a JSON string/);
    expect(result.stderr).to.include('to_json(analysis_data::text)');
    expect(result.stdout.trim().split('\n')).to.have.length(2); // the lines before it
  });

  it('--summary counts by outcome and error code, with a sample line per code', async () => {
    const input = [line('{}'), '', line('[]'), line('{"energy": true}'), line('{"energy": "x"}'), line('{')].join('\n');
    const json = await runCli(['convert', '--summary', '--json'], { input });
    expect(json.code).to.equal(0);
    const summary = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(summary).to.deep.include({
      lines: 6,
      outcomes: { converted: 1, skipped: 1, error: 4 },
      errors: {
        not_an_object: { count: 1, sampleLine: 3 },
        invalid_value: { count: 2, sampleLine: 4 },
        invalid_json: { count: 1, sampleLine: 6 },
      },
    });
    const human = await runCli(['convert', '--summary'], { input });
    expect(human.code).to.equal(0);
    expect(human.stdout).to.match(/^converted\s+1$/m);
    expect(human.stdout).to.match(/^error\s+4$/m);
    expect(human.stdout).to.match(/^invalid_value\s+2\s+4$/m);
  });

  it('summarises the shipped sample (the README quick start)', async () => {
    const result = await runCli(['convert', '--summary', '--json', SAMPLE]);
    expect(result.code).to.equal(0);
    const summary = JSON.parse(result.stdout) as { lines: number; outcomes: Record<string, number>; errors: object };
    expect(summary.lines).to.equal(200);
    expect(summary.outcomes.converted).to.be.above(170);
    expect(summary.outcomes.skipped).to.be.above(0);
    expect(Object.keys(summary.errors)).to.include.members(['invalid_json', 'not_an_object', 'invalid_value', 'unstorable']);
  });

  it('streams a large input with one output line per input line', async () => {
    const count = 50_000;
    const input = `${Array.from({ length: count }, (_, i) => line(`{"energy": ${(i % 100) / 50}}`)).join('\n')}\n`;
    const result = await runCli(['convert', ...NOW], { input });
    expect(result.code).to.equal(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).to.have.length(count);
    expect(JSON.parse(lines[count - 1]!)).to.include({ outcome: 'converted', energy_level: 1 });
  });

  const usage: [string, string[], RegExp][] = [
    ['a bad --now', ['--now', 'yesterday'], /--now must be an ISO-8601/],
    ['an impossible --now date', ['--now', '2024-02-30T00:00:00Z'], /--now/],
    ['a --now without a zone', ['--now', '2024-06-01T00:00:00'], /--now/],
    ['--analysis-version over 20 characters', ['--analysis-version', 'x'.repeat(21)], /--analysis-version must be 1-20/],
    ['an empty --analysis-version', ['--analysis-version', ''], /--analysis-version/],
    ['a missing FILE', ['/nonexistent/tm-sample.ndjson'], /does not exist/],
    ['a directory as FILE', ['.'], /is a directory/],
    ['an unknown flag', ['--bogus'], /unknown option/],
  ];
  for (const [name, args, message] of usage) {
    it(`${name} → exit 64 with a clear message`, async () => {
      const result = await runCli(['convert', ...args], { input: `${line('{}')}\n` });
      expect(result.code).to.equal(64);
      expect(result.stderr).to.match(message);
      expect(result.stdout).to.equal('');
    });
  }

  it('--help exits 0 and shows the psql example', async () => {
    const result = await runCli(['convert', '--help']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include(
      'psql -At -c "SELECT to_json(analysis_data) FROM tracks" | tracktion-migrate convert --summary',
    );
    expect(result.stdout).to.include('--analysis-version');
  });
});
