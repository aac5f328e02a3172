import { expect } from 'chai';
import fc from 'fast-check';
import {
  SCORE_FIELDS,
  convertLegacy,
  encodeOutcomeLine,
  isStorableText,
  unstorableReason,
  type ConversionOutcome,
  type ConvertedRecord,
} from '../../src/shared/conversion/index.js';

/** Properties of the conversion contract, checked over generated inputs. */

const OPTIONS = { analysisVersion: '2024.1', now: new Date('2024-06-01T00:00:00Z') };
const convert = (value: unknown): ConversionOutcome => convertLegacy(value, OPTIONS);
const RUNS = { numRuns: 500 };

const ERROR_CODES = ['invalid_json', 'not_an_object', 'invalid_value', 'unstorable', 'too_large'];
const ERROR_KEYS = [null, ...SCORE_FIELDS.map((f) => f.key), 'overall_confidence', 'version', 'tempo_confidence', 'key_confidence'];
const LEGACY_KEYS = [...SCORE_FIELDS.map((f) => f.key), 'overall_confidence', 'version', 'tempo_confidence', 'key_confidence'];

const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const scoreIndex = fc.integer({ min: 0, max: SCORE_FIELDS.length - 1 });

function converted(outcome: ConversionOutcome): ConvertedRecord {
  if (outcome.outcome !== 'converted') throw new Error(`expected converted, got ${JSON.stringify(outcome)}`);
  return outcome.record;
}

/** Whatever the input, the outcome is one of the three shapes, its message storable, its line encodable. */
function assertWellFormed(outcome: ConversionOutcome): void {
  switch (outcome.outcome) {
    case 'skipped':
      expect(Object.keys(outcome)).to.deep.equal(['outcome']);
      break;
    case 'error':
      expect(ERROR_CODES).to.include(outcome.code);
      expect(ERROR_KEYS).to.include(outcome.key);
      expect(outcome.message).to.be.a('string');
      expect(isStorableText(outcome.message)).to.equal(true, outcome.message);
      break;
    case 'converted': {
      const { record } = outcome;
      for (const { column } of SCORE_FIELDS) expect(record[column]).to.be.within(0, 1);
      expect(Number.isFinite(record.confidence_score)).to.equal(true);
      expect(unstorableReason(record.metadata)).to.equal(undefined);
      break;
    }
  }
  expect(() => JSON.parse(encodeOutcomeLine(outcome))).not.to.throw();
}

describe('conversion contract — properties', () => {
  it('any finite double clamps into [0, 1], named in clamped_fields exactly when it was out of range', () => {
    fc.assert(
      fc.property(scoreIndex, finiteDouble, (i, value) => {
        const field = SCORE_FIELDS[i]!;
        const record = converted(convert(JSON.stringify({ [field.key]: value })));
        const out = value < 0 || value > 1;
        expect(record[field.column]).to.be.within(0, 1);
        expect(record[field.column]).to.equal(out ? (value < 0 ? 0 : 1) : value === 0 ? 0 : value);
        expect(record.metadata.clamped_fields).to.deep.equal(out ? [field.column] : []);
      }),
      RUNS,
    );
  });

  it('a finite double written as a numeric string, with whitespace around, reads the same as the number', () => {
    const space = fc.constantFrom('', ' ', '\t', '\n ', '  ');
    fc.assert(
      fc.property(scoreIndex, finiteDouble, space, space, (i, value, before, after) => {
        const field = SCORE_FIELDS[i]!;
        const fromNumber = convert({ [field.key]: value });
        const fromString = convert({ [field.key]: `${before}${String(value)}${after}` });
        expect(fromString).to.deep.equal(fromNumber);
      }),
      RUNS,
    );
  });

  it('overall_confidence: any finite double is kept as is (not clamped)', () => {
    fc.assert(
      fc.property(finiteDouble, (value) => {
        const record = converted(convert(JSON.stringify({ overall_confidence: value })));
        expect(record.confidence_score).to.equal(value === 0 ? 0 : value);
      }),
      RUNS,
    );
  });

  it('any object of valid numbers converts, defaulted and clamped fields in table order', () => {
    const validScore = fc.oneof(
      finiteDouble,
      finiteDouble.map((d) => ` ${String(d)} `),
      fc.constant(null),
      fc.constant(undefined), // absent
    );
    const blob = fc.tuple(
      fc.array(validScore, { minLength: 5, maxLength: 5 }),
      fc.option(finiteDouble, { nil: undefined }),
      fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()), // noise
    );
    fc.assert(
      fc.property(blob, ([scores, confidence, noise]) => {
        const legacy: Record<string, unknown> = { ...noise };
        for (const key of LEGACY_KEYS) delete legacy[key];
        SCORE_FIELDS.forEach((field, i) => {
          if (scores[i] !== undefined) legacy[field.key] = scores[i];
        });
        if (confidence !== undefined) legacy.overall_confidence = confidence;
        const record = converted(convert(JSON.stringify(legacy)));
        const expectedDefaulted = SCORE_FIELDS.filter((_, i) => scores[i] === null || scores[i] === undefined);
        const expectedClamped = SCORE_FIELDS.filter((_, i) => {
          const s = scores[i];
          const n = typeof s === 'string' ? Number(s) : s;
          return typeof n === 'number' && (n < 0 || n > 1);
        });
        expect(record.metadata.defaulted_fields).to.deep.equal(expectedDefaulted.map((f) => f.column));
        expect(record.metadata.clamped_fields).to.deep.equal(expectedClamped.map((f) => f.column));
        expect(record.metadata.original_version).to.equal('legacy');
      }),
      RUNS,
    );
  });

  it('never throws, whatever the input string (any UTF-16, lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.string({ unit: 'grapheme-ascii' })), (text) => {
        assertWellFormed(convert(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws for any JSON text, with any strings inside', () => {
    fc.assert(
      fc.property(fc.json({ stringUnit: 'binary' }), (text) => {
        assertWellFormed(convert(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws for legacy objects whose known keys hold any JSON value', () => {
    const legacy = fc.dictionary(fc.constantFrom(...LEGACY_KEYS), fc.jsonValue({ stringUnit: 'binary' }));
    fc.assert(
      fc.property(legacy, fc.boolean(), (blob, asText) => {
        const outcome = convert(asText ? JSON.stringify(blob) : blob);
        assertWellFormed(outcome);
        expect(outcome.outcome).not.to.equal('skipped');
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws for any already parsed JavaScript value', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withNullPrototype: true, withObjectString: true }), (value) => {
        const outcome = convert(value);
        expect(['skipped', 'error', 'converted']).to.include(outcome.outcome);
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic: the same input and options give the same outcome', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(convert(text)).to.deep.equal(convert(text));
      }),
      RUNS,
    );
  });

  // A JavaScript string is always JSON text, so a parsed JSON string (or null) is not comparable.
  it('text and its parsed value convert alike (text column vs json/jsonb column)', () => {
    fc.assert(
      fc.property(fc.json({ stringUnit: 'binary' }), (text) => {
        const parsed: unknown = JSON.parse(text);
        fc.pre(parsed !== null && typeof parsed !== 'string');
        expect(convert(parsed)).to.deep.equal(convert(text));
      }),
      RUNS,
    );
  });
});
