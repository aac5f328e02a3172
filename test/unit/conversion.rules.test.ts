import { expect } from 'chai';
import {
  convertLegacy,
  type ConversionOutcome,
  type ConvertedRecord,
  type LegacyKey,
  type RowErrorCode,
} from '../../src/shared/conversion/index.js';

/**
 * The conversion contract, rule by rule: one table row per rule and per error code.
 * Inputs are JSON text unless a case says "already parsed".
 */

const NOW = new Date('2024-06-01T12:00:00.000Z');
const OPTIONS = { analysisVersion: '2024.1', now: NOW };

const convert = (value: unknown, extra: { maxBytes?: number } = {}): ConversionOutcome =>
  convertLegacy(value, { ...OPTIONS, ...extra });

/** A complete, valid legacy blob; cases override single keys of it. */
const GOOD = {
  version: '1.0',
  energy: 0.7,
  danceability: 0.6,
  mood_positivity: 0.4,
  acoustic_probability: 0.3,
  instrumental_probability: 0.2,
  overall_confidence: 0.9,
};
const text = (overrides: Record<string, unknown> = {}, omit: string[] = []): string => {
  const blob: Record<string, unknown> = { ...GOOD, ...overrides };
  for (const key of omit) delete blob[key];
  return JSON.stringify(blob);
};

function converted(outcome: ConversionOutcome): ConvertedRecord {
  if (outcome.outcome !== 'converted') expect.fail(`expected converted, got ${JSON.stringify(outcome)}`);
  return outcome.record;
}

function expectError(outcome: ConversionOutcome, code: RowErrorCode, key: LegacyKey | null): string {
  if (outcome.outcome !== 'error') expect.fail(`expected error ${code}, got ${JSON.stringify(outcome)}`);
  expect({ code: outcome.code, key: outcome.key }).to.deep.equal({ code, key });
  expect(outcome.message).to.include(key ?? 'analysis_data');
  return outcome.message;
}

describe('conversion contract — rules', () => {
  describe('rule 1: SQL NULL is skipped', () => {
    it('null → skipped, with nothing else', () => {
      expect(convert(null)).to.deep.equal({ outcome: 'skipped' });
    });
  });

  describe('rule 2: invalid_json and not_an_object', () => {
    const invalidJson: [string, string][] = [
      ['plain words', 'not json'],
      ['truncated', '{"energy": 0.5, "danceab'],
      ['empty text', ''],
      ['whitespace only', '  \n '],
      ['NaN literal', '{"energy": NaN}'],
      ['Infinity literal', '{"energy": Infinity}'],
      ['-Infinity literal', '{"energy": -Infinity}'],
      ['single quotes', "{'energy': 0.5}"],
      ['trailing comma in object', '{"energy": 0.5,}'],
      ['trailing comma in array', '{"version": [1,]}'],
      ['leading BOM', '\ufeff{"energy": 0.5}'],
      ['two values', '{} {}'],
      ['unescaped NUL inside a string', '{"version": "1\u0000"}'],
      ['comment', '{"energy": 0.5 /* loud */}'],
    ];
    for (const [name, input] of invalidJson) {
      it(`invalid_json: ${name}`, () => {
        expectError(convert(input), 'invalid_json', null);
      });
    }

    const notAnObject: [string, unknown][] = [
      ['array text', '[0.5, 0.5]'],
      ['array of an object', '[{"energy": 0.5}]'],
      ['number text', '42'],
      ['string text', '"{\\"energy\\": 0.5}"'],
      ['"null" text (only SQL NULL skips)', 'null'],
      ['boolean text', 'true'],
      ['already parsed array', [1, 2]],
      ['already parsed number', 0.5],
      ['already parsed boolean', false],
      ['undefined', undefined],
    ];
    for (const [name, input] of notAnObject) {
      it(`not_an_object: ${name}`, () => {
        expectError(convert(input), 'not_an_object', null);
      });
    }

    it('whitespace around the JSON text is allowed', () => {
      expect(converted(convert(` \n\t${text()}\r\n `)).energy_level).to.equal(0.7);
    });

    it('a duplicated key: the last one wins', () => {
      expect(converted(convert('{"energy": "high", "energy": 0.3}')).energy_level).to.equal(0.3);
      expectError(convert('{"energy": 0.3, "energy": "high"}'), 'invalid_value', 'energy');
    });

    it('an already parsed object (json/jsonb column) converts like its text', () => {
      const fromObject = convert({ ...GOOD, energy: '0.25', tempo_confidence: null });
      const fromText = convert(text({ energy: '0.25', tempo_confidence: null }));
      expect(fromObject).to.deep.equal(fromText);
      expect(converted(fromObject).energy_level).to.equal(0.25);
    });

    it('absurdly deep nesting is an error or converts, never a throw', () => {
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      expect(['invalid_json', 'not_an_object']).to.include((convert(deep) as { code?: string }).code);
      const deepNoise = `{"noise": ${deep}}`;
      expect(converted(convert(deepNoise)).energy_level).to.equal(0.5);
    });
  });

  describe('rule 3: the five scores', () => {
    const table = [
      { column: 'energy_level', key: 'energy', fallback: 0.5 },
      { column: 'danceability', key: 'danceability', fallback: 0.5 },
      { column: 'valence', key: 'mood_positivity', fallback: 0.5 },
      { column: 'acousticness', key: 'acoustic_probability', fallback: 0.5 },
      { column: 'instrumentalness', key: 'instrumental_probability', fallback: 0.1 },
    ] as const;

    for (const { column, key, fallback } of table) {
      it(`${key} → ${column}: absent → ${fallback}, named in defaulted_fields`, () => {
        const record = converted(convert(text({}, [key])));
        expect(record[column]).to.equal(fallback);
        expect(record.metadata.defaulted_fields).to.deep.equal([column]);
      });
      it(`${key} → ${column}: JSON null → ${fallback}, named in defaulted_fields`, () => {
        const record = converted(convert(text({ [key]: null })));
        expect(record[column]).to.equal(fallback);
        expect(record.metadata.defaulted_fields).to.deep.equal([column]);
      });
      it(`${key} → ${column}: a value is read as is`, () => {
        const record = converted(convert(text({ [key]: 0.625 })));
        expect(record[column]).to.equal(0.625);
        expect(record.metadata.defaulted_fields).to.deep.equal([]);
      });
    }

    it('an empty object takes every default, named in table order', () => {
      const record = converted(convert('{}'));
      expect([record.energy_level, record.danceability, record.valence, record.acousticness, record.instrumentalness])
        .to.deep.equal([0.5, 0.5, 0.5, 0.5, 0.1]);
      expect(record.metadata.defaulted_fields).to.deep.equal([
        'energy_level', 'danceability', 'valence', 'acousticness', 'instrumentalness',
      ]);
      expect(record.metadata.clamped_fields).to.deep.equal([]);
    });

    const numericStrings: [string, number][] = [
      ['0.5', 0.5],
      [' 0.5 ', 0.5],
      ['\t0.5\n', 0.5],
      ['+.5', 0.5],
      ['.5', 0.5],
      ['1.', 1],
      ['1e-1', 0.1],
      ['5E-1', 0.5],
      ['0.25e+0', 0.25],
      ['+0', 0],
      ['-0', 0],
      ['0001', 1],
      ['\u00a00.5', 0.5], // JavaScript's \s, as the contract's regex is written
    ];
    for (const [input, expected] of numericStrings) {
      it(`numeric string ${JSON.stringify(input)} reads as ${expected}`, () => {
        const record = converted(convert(text({ energy: input })));
        expect(Object.is(record.energy_level, expected)).to.equal(true, `got ${record.energy_level}`);
        expect(record.metadata.clamped_fields).to.deep.equal([]);
      });
    }

    const invalidValues: [string, unknown][] = [
      ['empty string', ''],
      ['blank string', '   '],
      ['"high"', 'high'],
      ['hex "0x1"', '0x1'],
      ['underscore "1_0"', '1_0'],
      ['"Infinity"', 'Infinity'],
      ['"NaN"', 'NaN'],
      ['"1e"', '1e'],
      ['"."', '.'],
      ['"+"', '+'],
      ['"1,5"', '1,5'],
      ['"0.5.5"', '0.5.5'],
      ['"--1"', '--1'],
      ['Arabic-Indic digit "٣"', '٣'],
      ['fullwidth digit "１"', '１'],
      ['string "1e400" (not finite)', '1e400'],
      ['true', true],
      ['false', false],
      ['empty array', []],
      ['array of a number', [0.5]],
      ['empty object', {}],
      ['object', { value: 0.5 }],
    ];
    for (const [name, value] of invalidValues) {
      it(`invalid_value: ${name}`, () => {
        const message = expectError(convert(text({ energy: value })), 'invalid_value', 'energy');
        expect(message).to.include(JSON.stringify(value));
      });
    }

    it('invalid_value: JSON number 1e400 overflows to a non-finite double', () => {
      const message = expectError(convert('{"energy": 1e400}'), 'invalid_value', 'energy');
      expect(message).to.include('finite');
      expectError(convert('{"danceability": -1e400}'), 'invalid_value', 'danceability');
    });

    it('invalid_value: an already parsed NaN', () => {
      expectError(convert({ energy: Number.NaN }), 'invalid_value', 'energy');
    });

    const clamps: [unknown, number][] = [
      [-0.2, 0],
      [-1e300, 0],
      [1.7, 1],
      [1e300, 1],
      ['-3', 0],
      [' 2.5 ', 1],
      [1.0000001, 1],
    ];
    for (const [value, expected] of clamps) {
      it(`clamps ${JSON.stringify(value)} to ${expected}, named in clamped_fields`, () => {
        const record = converted(convert(text({ energy: value })));
        expect(record.energy_level).to.equal(expected);
        expect(record.metadata.clamped_fields).to.deep.equal(['energy_level']);
      });
    }

    for (const edge of [0, 1, -0, 5e-324]) {
      it(`does not clamp ${Object.is(edge, -0) ? '-0' : edge}; -0 reads as 0`, () => {
        const record = converted(convert({ ...GOOD, energy: edge }));
        expect(Object.is(record.energy_level, edge === 0 ? 0 : edge)).to.equal(true);
        expect(record.metadata.clamped_fields).to.deep.equal([]);
      });
    }

    it('clamped and defaulted fields are listed in table order, not in text order', () => {
      const input =
        '{"instrumental_probability": 9, "acoustic_probability": -1, "energy": 2, "danceability": null}';
      const record = converted(convert(input));
      expect(record.metadata.clamped_fields).to.deep.equal(['energy_level', 'acousticness', 'instrumentalness']);
      expect(record.metadata.defaulted_fields).to.deep.equal(['danceability', 'valence']);
    });

    it('reports the first bad key in table order, not in text order', () => {
      const input = '{"instrumental_probability": "x", "mood_positivity": true, "danceability": [], "energy": 0.5}';
      expectError(convert(input), 'invalid_value', 'danceability');
    });

    it('reports a bad score before a bad overall_confidence and an unstorable version', () => {
      const input = { overall_confidence: 'x', version: '\u0000', acoustic_probability: 'y' };
      expectError(convert(input), 'invalid_value', 'acoustic_probability');
    });

    it('an inherited property is not a legacy key', () => {
      const legacy = Object.create({ energy: 'high' }) as Record<string, unknown>;
      legacy.danceability = 0.3;
      expect(converted(convert(legacy)).energy_level).to.equal(0.5);
    });
  });

  describe('rule 4: confidence_score from overall_confidence', () => {
    const cases: [string, unknown, number][] = [
      ['absent → 0.8', undefined, 0.8],
      ['null → 0.8', null, 0.8],
      ['a number', 0.42, 0.42],
      ['a numeric string', ' 0.9 ', 0.9],
      ['above 1: not clamped', 1.5, 1.5],
      ['below 0: not clamped', -2, -2],
      ['-0 reads as 0', -0, 0],
    ];
    for (const [name, value, expected] of cases) {
      it(name, () => {
        const blob: Record<string, unknown> = { ...GOOD, overall_confidence: value };
        if (value === undefined) delete blob.overall_confidence;
        const record = converted(convert(JSON.stringify(blob)));
        expect(Object.is(record.confidence_score, expected)).to.equal(true, `got ${record.confidence_score}`);
        expect(record.metadata.defaulted_fields).to.deep.equal([]);
        expect(record.metadata.clamped_fields).to.deep.equal([]);
      });
    }
    for (const bad of ['high', true, [0.9], { v: 1 }, '']) {
      it(`invalid_value: ${JSON.stringify(bad)}`, () => {
        expectError(convert(text({ overall_confidence: bad })), 'invalid_value', 'overall_confidence');
      });
    }
    it('invalid_value: 1e400', () => {
      expectError(convert('{"overall_confidence": 1e400}'), 'invalid_value', 'overall_confidence');
    });
  });

  describe('rule 5: analysis_version', () => {
    it('is the job target version from the options', () => {
      const record = converted(convertLegacy(text(), { analysisVersion: '2025.3-rc1', now: NOW }));
      expect(record.analysis_version).to.equal('2025.3-rc1');
    });
    it('20 characters are allowed; 0 or 21 are a bad option (thrown, not a row error)', () => {
      expect(converted(convertLegacy('{}', { analysisVersion: 'v'.repeat(20), now: NOW })).analysis_version)
        .to.have.length(20);
      expect(() => convertLegacy('{}', { analysisVersion: 'v'.repeat(21), now: NOW })).to.throw(/analysisVersion/);
      expect(() => convertLegacy('{}', { analysisVersion: '', now: NOW })).to.throw(/analysisVersion/);
      expect(() => convertLegacy('{}', { analysisVersion: 'a\u0000', now: NOW })).to.throw(/analysisVersion/);
    });
    it('an invalid clock or maxBytes is a bad option too', () => {
      expect(() => convertLegacy('{}', { ...OPTIONS, now: new Date(Number.NaN) })).to.throw(/now/);
      expect(() => convertLegacy('{}', { ...OPTIONS, maxBytes: 0 })).to.throw(/maxBytes/);
      expect(() => convertLegacy('{}', { ...OPTIONS, maxBytes: 1.5 })).to.throw(/maxBytes/);
    });
  });
});
