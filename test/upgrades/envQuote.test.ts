import { expect } from 'chai';
import { parse as parseDotenv } from 'dotenv';
import fc from 'fast-check';
import type { EnvVariable } from '../../src/upgrades/env/parse.js';
import { encodeValue } from '../../src/upgrades/env/quote.js';
import { renderEnv } from '../../src/upgrades/env/render.js';

/** Values written back must parse, with dotenv itself, to exactly the same string. */

const TRICKY = ['\'', '"', '`', '#', '\\', 'n', 'r', '\n', '\r', ' ', '\t', '=', '$', '{', '}', ':', 'é', '🎵', 'a', 'export '];
const trickyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 12 }),
);

const roundTrips = (value: string, encoded: string) => parseDotenv(`KEY=${encoded}\n`).KEY === value;

describe('.env value quoting', () => {
  it('writes everyday and awkward values so dotenv reads them back unchanged', () => {
    const values = [
      '', 'plain', 'a b', ' leading', 'trailing ', 'x#y', "it's", 'say "hi"', 'line1\nline2', 'back\\nslash', 'cr\rhere',
      '`tick`', '$HOME/${X}', 'a=b=c', "'quoted'", '"dq"', 'p@ss w#rd', 'é🎵', 'ends with backslash\\', 'mixed \'"` ok',
      'C:\\My Music\\',
    ];
    for (const value of values) {
      const encoded = encodeValue(value);
      expect(encoded, JSON.stringify(value)).to.be.a('string');
      expect(roundTrips(value, encoded!), `${JSON.stringify(value)} as ${encoded}`).to.equal(true);
    }
    expect(encodeValue('simple-value_1')).to.equal('simple-value_1');
    expect(encodeValue('a b')).to.equal("'a b'");
    expect(encodeValue("it's here")).to.equal('"it\'s here"');
    // A quoted trailing backslash would swallow the rest of the file up to the next quote.
    expect(encodeValue(' x\\')).to.equal(undefined);
    const file = `A=${encodeValue('C:\\My Music\\')}\n# it's\nB=1\n`;
    expect(parseDotenv(file)).to.deep.equal({ A: 'C:\\My Music\\', B: '1' });
  });

  it('property: any string either round-trips through write → dotenv.parse, or is one dotenv cannot hold at all', () => {
    fc.assert(
      fc.property(trickyString, (value) => {
        const encoded = encodeValue(value);
        if (encoded !== undefined) {
          expect(roundTrips(value, encoded), `${JSON.stringify(value)} written as ${JSON.stringify(encoded)}`).to.equal(true);
          return;
        }
        // Only strings no dotenv syntax can express: plain is ruled out (edge whitespace, `#`, a line break or
        // a leading quote), and so is each quoting style (a trailing backslash, or something inside).
        const plainImpossible = /[#\r\n]/.test(value) || value !== value.trim() || /^['"`]/.test(value);
        const quotesImpossible = value.endsWith('\\') || (/['\r]/.test(value) && /["]|\\[nr]/.test(value) && /[`\r]/.test(value));
        expect(plainImpossible && quotesImpossible, JSON.stringify(value)).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a whole rendered file reads back to every value, with comments, inline comments and export', () => {
    const variable = fc.record({
      key: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/),
      value: trickyString.filter((v) => encodeValue(v) !== undefined),
      exported: fc.boolean(),
      comments: fc.array(fc.string({ maxLength: 10 }).map((c) => `# ${c.replace(/[\r\n]/g, ' ')}`), { maxLength: 2 }),
      inlineComment: fc.option(fc.string({ maxLength: 10 }).map((c) => `# ${c.replace(/[\r\n]/g, ' ')}`), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(variable, { selector: (v) => v.key, maxLength: 12 }), (variables: EnvVariable[]) => {
        const text = renderEnv(variables, { version: 'v2_1', migratedAt: new Date(0), trailingComments: ['# end'], mask: false });
        const parsed = parseDotenv(text);
        expect(Object.keys(parsed).sort()).to.deep.equal(variables.map((v) => v.key).sort());
        for (const v of variables) expect(parsed[v.key], v.key).to.equal(v.value);
      }),
      { numRuns: 500 },
    );
  });
});
