import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyError } from '../../src/shared/classifyError.js';
import { FAILURE_CODES, ROW_ERROR_CODES, isFailureCode, isRowErrorCode } from '../../src/shared/errorCodes.js';
import { ConfigError, PartialFailure, PermanentError, ServiceUnavailableError, TracktionError, TransientError, UsageError } from '../../src/shared/errors.js';
import { LockTimeoutError, RevisionError } from '../../src/schema/errors.js';
import { InvalidFileError } from '../../src/upgrades/errors.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes and their one classifier', () => {
  it('the lists are closed and do not overlap', () => {
    expect(new Set(FAILURE_CODES).size).to.equal(FAILURE_CODES.length);
    expect(FAILURE_CODES.filter((c) => (ROW_ERROR_CODES as readonly string[]).includes(c))).to.deep.equal([]);
    expect(isFailureCode('lock_timeout')).to.equal(true);
    expect(isFailureCode('something_new')).to.equal(false);
    expect(isRowErrorCode('invalid_json')).to.equal(true);
  });

  it('classifies the project\'s errors by what they say of themselves', () => {
    expect(classifyError(new UsageError('x'))).to.deep.equal({ code: 'usage', exitCode: 64, transient: false });
    expect(classifyError(new RevisionError('x'))).to.deep.equal({ code: 'usage', exitCode: 64, transient: false });
    expect(classifyError(new ConfigError('x'))).to.deep.equal({ code: 'bad_configuration', exitCode: 78, transient: false });
    expect(classifyError(new ServiceUnavailableError('Redis', 'x'))).to.deep.equal({ code: 'service_unavailable', exitCode: 69, transient: true });
    expect(classifyError(new PartialFailure('x'))).to.deep.equal({ code: 'partial', exitCode: 2, transient: false });
    expect(classifyError(new LockTimeoutError('x'))).to.deep.equal({ code: 'lock_timeout', exitCode: 1, transient: true });
    expect(classifyError(new TransientError('rabbitmq_reconnecting', 'x')).transient).to.equal(true);
    expect(classifyError(new PermanentError('range_mismatch', 'x'))).to.deep.equal({ code: 'range_mismatch', exitCode: 1, transient: false });
    expect(classifyError(new InvalidFileError('x')).code).to.equal('invalid_file');
  });

  it('a driver\'s "nobody answered" is a service unavailable; anything else is internal', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(classifyError(refused)).to.deep.equal({ code: 'service_unavailable', exitCode: 69, transient: true });
    expect(classifyError(new TypeError('x is undefined'))).to.deep.equal({ code: 'internal', exitCode: 1, transient: false });
    expect(classifyError('a thrown string')).to.deep.equal({ code: 'internal', exitCode: 1, transient: false });
    expect(classifyError(undefined).code).to.equal('internal');
  });

  it('library code throws the project\'s errors, never a bare Error', () => {
    const bare = sources(join(ROOT, 'src'))
      .map((path) => relative(ROOT, path))
      .flatMap((path) => readFileSync(join(ROOT, path), 'utf8').split('\n')
        .flatMap((line, i) => (/\bnew Error\(/.test(line) ? [`${path}:${i + 1}`] : [])));
    expect(bare).to.deep.equal([]);
    expect(new TracktionError('internal', 'x')).to.be.instanceOf(Error);
  });
});
