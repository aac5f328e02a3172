import { expect } from 'chai';
import {
  MAX_STORABLE_DEPTH,
  SHOWN_VALUE_MAX_CHARS,
  convertLegacy,
  createLegacyConverter,
  isStorableText,
  showValue,
  toHistoryResults,
  type ConversionOutcome,
  type ConvertedRecord,
  type LegacyKey,
  type RowErrorCode,
} from '../../src/shared/conversion/index.js';

/** The conversion contract, rules 6–8 (metadata, unstorable, row errors) and the size seam. */

const NOW = new Date('2024-06-01T12:00:00.000Z');
const convert = (value: unknown, maxBytes?: number): ConversionOutcome =>
  convertLegacy(value, { analysisVersion: '2024.1', now: NOW, maxBytes });

function converted(outcome: ConversionOutcome): ConvertedRecord {
  if (outcome.outcome !== 'converted') expect.fail(`expected converted, got ${JSON.stringify(outcome)}`);
  return outcome.record;
}

function expectError(outcome: ConversionOutcome, code: RowErrorCode, key: LegacyKey | null): string {
  if (outcome.outcome !== 'error') expect.fail(`expected error ${code}, got ${JSON.stringify(outcome)}`);
  expect({ code: outcome.code, key: outcome.key }).to.deep.equal({ code, key });
  return outcome.message;
}

describe('conversion contract — metadata, unstorable values, row errors', () => {
  it('converts a full legacy blob to exactly this record, keys in this order', () => {
    const input = JSON.stringify({
      version: '1.2.3',
      energy: 0.81,
      danceability: '0.64',
      mood_positivity: 1.2,
      instrumental_probability: null,
      overall_confidence: 0.93,
      tempo: 128,
      tempo_confidence: 0.88,
      key: 'A minor',
      key_confidence: null,
      analyzer: { name: 'old', flags: ['\u0000 noise is ignored'] },
    });
    const expected = {
      energy_level: 0.81,
      danceability: 0.64,
      valence: 1,
      acousticness: 0.5,
      instrumentalness: 0.1,
      analysis_version: '2024.1',
      confidence_score: 0.93,
      metadata: {
        migration_date: '2024-06-01T12:00:00.000Z',
        original_version: '1.2.3',
        migration_notes: 'Migrated from legacy format',
        tempo_confidence: 0.88,
        key_confidence: null,
        defaulted_fields: ['acousticness', 'instrumentalness'],
        clamped_fields: ['valence'],
      },
    };
    const record = converted(convert(input));
    expect(record).to.deep.equal(expected);
    expect(JSON.stringify(record)).to.equal(JSON.stringify(expected));
  });

  describe('rule 6: metadata', () => {
    const versions: [string, unknown, unknown][] = [
      ['a string', '1.0', '1.0'],
      ['an empty string', '', ''],
      ['a number', 3, 3],
      ['a fractional number', 1.5, 1.5],
      ['a boolean', false, false],
      ['an array', [1, 2, 'beta'], [1, 2, 'beta']],
      ['an object', { major: 1, minor: { patch: 2 } }, { major: 1, minor: { patch: 2 } }],
      ['absent → "legacy"', undefined, 'legacy'],
      ['null → "legacy"', null, 'legacy'],
    ];
    for (const [name, version, expected] of versions) {
      it(`original_version: ${name}`, () => {
        const blob = version === undefined ? {} : { version };
        expect(converted(convert(JSON.stringify(blob))).metadata.original_version).to.deep.equal(expected);
      });
    }

    it('migration_date is the injected clock in ISO-8601 UTC; migration_notes is fixed', () => {
      const when = new Date('2030-01-02T03:04:05.678+02:00');
      const record = converted(convertLegacy('{}', { analysisVersion: 'x', now: when }));
      expect(record.metadata.migration_date).to.equal('2030-01-02T01:04:05.678Z');
      expect(record.metadata.migration_notes).to.equal('Migrated from legacy format');
    });

    for (const key of ['tempo_confidence', 'key_confidence'] as const) {
      it(`${key}: present → copied verbatim, null included`, () => {
        for (const value of [0.7, null, 'high', [1, 2], { a: 'b' }, 1e300, -4]) {
          const metadata = converted(convert(JSON.stringify({ [key]: value }))).metadata;
          expect(Object.hasOwn(metadata, key)).to.equal(true);
          expect(metadata[key]).to.deep.equal(value);
        }
      });
      it(`${key}: absent → not in metadata at all`, () => {
        const metadata = converted(convert('{"energy": 0.5}')).metadata;
        expect(Object.hasOwn(metadata, key)).to.equal(false);
        expect(JSON.stringify(metadata)).not.to.include(key);
      });
    }

    it('tempo_confidence and key_confidence are never validated or clamped', () => {
      const record = converted(convert('{"tempo_confidence": 1e300, "key_confidence": "0x1"}'));
      expect(record.metadata.clamped_fields).to.deep.equal([]);
      expect(record.metadata.tempo_confidence).to.equal(1e300);
    });
  });

  describe('rule 7: unstorable', () => {
    const cases: [string, string, LegacyKey][] = [
      ['\\u0000 in version', '{"version": "1.0\\u0000"}', 'version'],
      ['a lone high surrogate in version', '{"version": "1.\\ud800"}', 'version'],
      ['a lone low surrogate in version', '{"version": "\\udc00.1"}', 'version'],
      ['reversed surrogates in version', '{"version": "\\udc00\\ud800"}', 'version'],
      ['\\u0000 in tempo_confidence', '{"tempo_confidence": "\\u0000"}', 'tempo_confidence'],
      ['a lone surrogate in tempo_confidence', '{"tempo_confidence": ["ok", "\\ud83d"]}', 'tempo_confidence'],
      ['a lone surrogate in key_confidence', '{"key_confidence": {"x": "\\udfff"}}', 'key_confidence'],
      ['\\u0000 in an object key inside version', '{"version": {"bad\\u0000key": 1}}', 'version'],
      ['a lone surrogate in a nested key', '{"version": [{"ok": {"\\ud800": 1}}]}', 'version'],
      ['\\u0000 deep inside version', '{"version": {"a": [[{"b": "x\\u0000"}]]}}', 'version'],
    ];
    for (const [name, input, key] of cases) {
      it(`${name} → unstorable (${key})`, () => {
        const message = expectError(convert(input), 'unstorable', key);
        expect(message).to.include(key);
        expect(message).to.match(/\\u0000|\\ud[89a-f]/); // shows the offending value, escaped
        expect(isStorableText(message)).to.equal(true); // and is itself storable
      });
    }

    it('version is checked before tempo_confidence and key_confidence', () => {
      const input = '{"key_confidence": "\\u0000", "tempo_confidence": "\\u0000", "version": "\\u0000"}';
      expectError(convert(input), 'unstorable', 'version');
    });

    it('a well-formed surrogate pair (an emoji) is storable', () => {
      expect(converted(convert('{"version": "1.0 \\ud83c\\udfb5"}')).metadata.original_version).to.equal('1.0 🎵');
    });

    it('noise in keys that are not copied is ignored, however odd', () => {
      const input = JSON.stringify({
        comment: 'a\u0000b',
        '\u0000weird\ud800': '\udc00',
        analyzer: { '\ud800': ['\u0000'] },
        energy: 0.4,
      });
      expect(converted(convert(input)).energy_level).to.equal(0.4);
    });

    it(`a version nested deeper than ${MAX_STORABLE_DEPTH} levels cannot reach PostgreSQL: unstorable`, () => {
      const depth = MAX_STORABLE_DEPTH + 1;
      const message = expectError(
        convert(`{"version": ${'['.repeat(depth)}${']'.repeat(depth)}}`),
        'unstorable',
        'version',
      );
      expect(message).to.include('deeper');
      const fine = MAX_STORABLE_DEPTH;
      converted(convert(`{"version": ${'['.repeat(fine)}${']'.repeat(fine)}}`));
    });

    it('an already parsed value with no JSON form (cycle, bigint, function) is unstorable', () => {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      expectError(convert({ version: cycle }), 'unstorable', 'version');
      expectError(convert({ tempo_confidence: 10n }), 'unstorable', 'tempo_confidence');
      expectError(convert({ key_confidence: [() => 1] }), 'unstorable', 'key_confidence');
    });
  });

  describe('rule 8: row errors name the key and show the value, cut to 200 characters', () => {
    it('shows the value JSON-encoded', () => {
      const outcome = convert('{"energy": "high"}');
      expect(outcome).to.deep.equal({
        outcome: 'error',
        code: 'invalid_value',
        key: 'energy',
        message: 'energy must be a number or a numeric string: "high"',
      });
    });

    it('cuts a long value to 200 characters and marks the cut', () => {
      const long = 'x'.repeat(5000);
      const message = expectError(convert(JSON.stringify({ energy: long })), 'invalid_value', 'energy');
      const shown = `"${'x'.repeat(SHOWN_VALUE_MAX_CHARS - 1)}…`;
      expect(message).to.equal(`energy must be a number or a numeric string: ${shown}`);
      expect(message.length).to.be.below(300);
    });

    it('cuts invalid JSON text the same way', () => {
      const message = expectError(convert(`{"energy": ${'9'.repeat(10_000)}`), 'invalid_json', null);
      expect(message).to.include('analysis_data');
      expect(message.length).to.be.below(300);
    });

    it('showValue: exactly 200 characters of the encoding, never half a surrogate pair', () => {
      expect(showValue('a'.repeat(198))).to.equal(`"${'a'.repeat(198)}"`); // 200: not cut
      expect(showValue('a'.repeat(199))).to.equal(`"${'a'.repeat(199)}…`);
      const cut = showValue('🎵'.repeat(200)); // a high surrogate would end the 200th character
      expect(cut.endsWith('…')).to.equal(true);
      expect(cut.length).to.be.at.most(SHOWN_VALUE_MAX_CHARS + 1);
      expect(cut.slice(0, -1)).not.to.match(/[\ud800-\udbff]$/);
      expect(showValue(Number.POSITIVE_INFINITY)).to.equal('Infinity');
      expect(showValue([1, { a: null }])).to.equal('[1,{"a":null}]');
      expect(showValue(10n)).to.equal('[object BigInt]');
    });
  });

  describe('too_large (the size limit seam)', () => {
    it('JSON text over maxBytes UTF-8 bytes is too_large, key null, not parsed', () => {
      const input = '{"energy": 0.5}'; // 15 bytes
      expectError(convert(input, 14), 'too_large', null);
      expect(converted(convert(input, 15)).energy_level).to.equal(0.5);
      expectError(convert('{ not even json', 3), 'too_large', null);
    });

    it('counts UTF-8 bytes, not characters', () => {
      const input = '{"version": "éé"}'; // 17 characters, 19 bytes
      expect(input.length).to.equal(17);
      expectError(convert(input, 18), 'too_large', null);
      converted(convert(input, 19));
    });

    it('is off without maxBytes, and does not apply to an already parsed value', () => {
      converted(convert(JSON.stringify({ padding: 'x'.repeat(1_000_000) })));
      converted(convert({ padding: 'x'.repeat(100) }, 10));
    });
  });

  describe('the analysis_history.results object', () => {
    it('has exactly the eight keys, in order, sharing the metadata', () => {
      const record = converted(convert('{"energy": 0.2, "version": 2}'));
      const results = toHistoryResults(record);
      expect(Object.keys(results)).to.deep.equal([
        'energy_level', 'danceability', 'valence', 'acousticness', 'instrumentalness',
        'analysis_version', 'confidence_score', 'metadata',
      ]);
      expect(results).to.deep.equal(record);
      expect(results.metadata).to.equal(record.metadata);
    });
  });

  describe('createLegacyConverter', () => {
    it('checks the options once and converts like convertLegacy', () => {
      const convertOne = createLegacyConverter({ analysisVersion: '2024.1', now: NOW });
      for (const input of [null, '{}', '{"energy": "x"}', '[]', '{"version": "\\u0000"}']) {
        expect(convertOne(input)).to.deep.equal(convert(input));
      }
      expect(() => createLegacyConverter({ analysisVersion: '', now: NOW })).to.throw(/analysisVersion/);
    });

    it('a value that throws while being read becomes a row error, not a throw', () => {
      const hostile = {
        get energy(): number {
          throw new Error('boom');
        },
      };
      expectError(convert(hostile), 'invalid_json', null);
    });
  });
});
