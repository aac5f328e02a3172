import { expect } from 'chai';
import {
  NOT_AN_INPUT_LINE,
  convertLegacy,
  countOutcome,
  decodeInputLine,
  emptySummary,
  encodeOutcomeLine,
} from '../../src/shared/conversion/index.js';

/** The dry run's line formats and its summary counts (pure parts of `tracktion-migrate convert`). */

const OPTIONS = { analysisVersion: '2024.1', now: new Date('2024-06-01T00:00:00Z') };

describe('conversion — dry-run line formats and summary', () => {
  describe('decodeInputLine (what psql -At prints for to_json(analysis_data))', () => {
    const good: [string, string | null][] = [
      ['"{\\"energy\\": 0.5}"', '{"energy": 0.5}'],
      ['""', ''],
      ['"not json at all"', 'not json at all'],
      ['"\\u0000"', '\u0000'],
      ['null', null],
      ['', null],
    ];
    for (const [line, value] of good) {
      it(`${JSON.stringify(line)} → ${JSON.stringify(value)}`, () => {
        expect(decodeInputLine(line)).to.equal(value);
      });
    }
    for (const line of ['{"energy": 0.5}', '[1]', '42', 'true', '"unterminated', "'single'", ' ', 'NULL']) {
      it(`${JSON.stringify(line)} is not an input line`, () => {
        expect(decodeInputLine(line)).to.equal(NOT_AN_INPUT_LINE);
      });
    }
  });

  describe('encodeOutcomeLine', () => {
    it('skipped', () => {
      expect(encodeOutcomeLine(convertLegacy(null, OPTIONS))).to.equal('{"outcome":"skipped"}');
    });
    it('error: outcome, code, key, message', () => {
      expect(encodeOutcomeLine(convertLegacy('[]', OPTIONS))).to.equal(
        '{"outcome":"error","code":"not_an_object","key":null,"message":"analysis_data is not a JSON object (an array): []"}',
      );
    });
    it('converted: outcome first, then the record keys in contract order', () => {
      const line = encodeOutcomeLine(convertLegacy('{"energy": 2, "version": "1.0"}', OPTIONS));
      expect(line).to.equal(
        '{"outcome":"converted","energy_level":1,"danceability":0.5,"valence":0.5,"acousticness":0.5,' +
          '"instrumentalness":0.1,"analysis_version":"2024.1","confidence_score":0.8,"metadata":{' +
          '"migration_date":"2024-06-01T00:00:00.000Z","original_version":"1.0",' +
          '"migration_notes":"Migrated from legacy format",' +
          '"defaulted_fields":["danceability","valence","acousticness","instrumentalness"],' +
          '"clamped_fields":["energy_level"]}}',
      );
      expect(JSON.parse(line)).to.have.property('outcome', 'converted');
    });
  });

  describe('summary', () => {
    it('counts by outcome, by error code with the first line, and per column', () => {
      const inputs = [null, '{"energy": 3}', '[]', '{"energy": "x"}', '{', '{"valence": 1}', '{"energy": true}'];
      const summary = emptySummary();
      inputs.forEach((input, i) => countOutcome(summary, convertLegacy(input, OPTIONS), i + 1));
      expect(summary).to.deep.equal({
        lines: 7,
        outcomes: { converted: 2, skipped: 1, error: 4 },
        errors: {
          not_an_object: { count: 1, sampleLine: 3 },
          invalid_value: { count: 2, sampleLine: 4 },
          invalid_json: { count: 1, sampleLine: 5 },
        },
        defaulted: { energy_level: 1, danceability: 2, valence: 2, acousticness: 2, instrumentalness: 2 },
        clamped: { energy_level: 1, danceability: 0, valence: 0, acousticness: 0, instrumentalness: 0 },
      });
    });
  });
});
