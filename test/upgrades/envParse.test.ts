import { expect } from 'chai';
import { parse as parseDotenv } from 'dotenv';
import fc from 'fast-check';
import { parseEnv } from '../../src/upgrades/env/parse.js';
import { ENV_V1 } from './fixtures.js';

/** .env files are read exactly as dotenv reads them, plus the comments and `export` dotenv drops. */

describe('.env parsing', () => {
  it('reads quotes, export, comments, `=` inside values and multi-line values like dotenv', () => {
    const parsed = parseEnv('.env', ENV_V1);
    const values = Object.fromEntries(parsed.variables.map((v) => [v.key, v.value]));
    expect(values).to.deep.equal(parseDotenv(ENV_V1));
    expect(values).to.deep.include({ DB_PASSWORD: 'p@ss w#rd', EQUALS: 'a=b=c', MULTILINE: 'line one\nline two', RABBITMQ_PASSWORD: 'mq:secret', GREETING: 'hello world' });
    expect(parsed.warnings).to.deep.equal([]);
  });

  it('keeps the comments above a variable, the comment beside it, and its export prefix', () => {
    const { variables, trailingComments } = parseEnv('.env', ENV_V1 + '\n# trailing note\n');
    const byKey = new Map(variables.map((v) => [v.key, v]));
    expect(byKey.get('DB_HOST')?.comments).to.deep.equal(['# Tracktion settings']);
    expect(byKey.get('REDIS_HOST')?.comments).to.deep.equal(['# Cache']);
    expect(byKey.get('JWT_SECRET_KEY')?.inlineComment).to.equal('# rotate yearly');
    expect(byKey.get('RABBITMQ_HOST')?.exported).to.equal(true);
    expect(byKey.get('RABBITMQ_USER')?.exported).to.equal(false);
    expect(trailingComments).to.deep.equal(['# trailing note']);
  });

  it('an empty value does not swallow the comment on the next line', () => {
    const { variables } = parseEnv('.env', 'EMPTY=\n# about NEXT\nNEXT=1\n');
    expect(variables.map((v) => [v.key, v.value, v.comments, v.inlineComment])).to.deep.equal([
      ['EMPTY', '', [], undefined],
      ['NEXT', '1', ['# about NEXT'], undefined],
    ]);
  });

  it('warns about repeated keys (last wins, as in dotenv) and keeps unreadable lines as comments', () => {
    const { variables, warnings } = parseEnv('.env.production', 'A=1\nthis is not a variable\nA=2\n');
    expect(variables).to.have.length(1);
    expect(variables[0]).to.deep.include({ key: 'A', value: '2', comments: ['# this is not a variable'] });
    expect(warnings).to.deep.equal([
      '.env.production: line 2 is not a variable assignment (dotenv ignores it); kept as a comment',
      '.env.production: A is set more than once; the last value is kept, as dotenv does',
    ]);
  });

  it('drops the header lines this tool writes, so they are not carried over twice', () => {
    const text = '# Tracktion Environment Configuration - Version v2\n# Migrated on 2024-01-01T00:00:00.000Z\n\n# Database Configuration\n# my note\nDB_HOST=x\n';
    expect(parseEnv('.env', text).variables[0]?.comments).to.deep.equal(['# my note']);
  });

  it('property: for any file built from dotenv syntax, the values are exactly dotenv.parse', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
    const raw = fc.oneof(
      fc.string({ maxLength: 8 }).map((s) => s.replace(/[\r\n#'"`]/g, '')),
      fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/'/g, '')}'`),
      fc.string({ maxLength: 8 }).map((s) => `"${s.replace(/"/g, '')}"`),
      fc.string({ maxLength: 8 }).map((s) => `\`${s.replace(/`/g, '')}\``),
    );
    const line = fc.oneof(
      fc.tuple(fc.constantFrom('', 'export ', '  '), key, fc.constantFrom('=', ' = ', ': '), raw, fc.constantFrom('', ' # note', '#x')).map((p) => p.join('')),
      fc.constantFrom('', '# comment', '   ', 'garbage line', '#=1'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        const expected = parseDotenv(text);
        const parsed = parseEnv('.env', text);
        expect(Object.fromEntries(parsed.variables.map((v) => [v.key, v.value]))).to.deep.equal({ ...expected });
      }),
      { numRuns: 1000 },
    );
  });
});
