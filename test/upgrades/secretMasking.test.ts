import { expect } from 'chai';
import { planEnvMigration } from '../../src/upgrades/env/migrate.js';
import { MASTER_KEY_PLACEHOLDER } from '../../src/upgrades/env/steps.js';
import { maskUrlPasswords } from '../../src/upgrades/mask.js';
import { maskConfigText } from '../../src/upgrades/config/mask.js';
import { redactText } from '../../src/shared/redact.js';

/** Every way a password can sit in what the migrate commands print or the tool logs: none of them shows it. */

function dryRun(text: string): { maskedBefore: string; maskedAfter: string } {
  const plan = planEnvMigration('.env', text, { target: 'v2_1', now: new Date('2024-06-01T12:00:00Z'), masterKey: () => MASTER_KEY_PLACEHOLDER });
  if (plan.kind !== 'migrate') throw new Error(`expected a migration, got ${plan.kind}`);
  return plan;
}

describe('secrets in printed text', () => {
  it('env migrate --dry-run masks URL passwords inside the trailing comments of a file', () => {
    const { maskedBefore, maskedAfter } = dryRun('DB_HOST=db\n\n# the old server: postgres://admin:hunter2@old-db:5432/tracktion\n');
    expect(maskedAfter).to.include('postgres://admin:***@old-db:5432/tracktion');
    expect(maskedBefore).to.not.include('hunter2');
    expect(maskedAfter).to.not.include('hunter2');
  });

  it('a password containing @ is masked up to the last @ of the authority', () => {
    const url = 'postgres://tracktion:p@ss@w0rd@db.internal:5432/tracktion';
    for (const mask of [maskUrlPasswords, redactText, maskConfigText]) {
      const masked = mask(`url: ${url}`);
      expect(masked, mask.name).to.equal('url: postgres://tracktion:***@db.internal:5432/tracktion');
    }
    expect(maskUrlPasswords('a=redis://:x@y@cache:6379/0 b=amqp://u:z@mq/')).to.equal('a=redis://:***@cache:6379/0 b=amqp://u:***@mq/');
    const { maskedAfter } = dryRun(`DATABASE_URL=${url}\n`);
    expect(maskedAfter).to.not.match(/ss@w0rd|w0rd/);
  });

  it('redacts a password given as a query parameter of a URL', () => {
    expect(redactText('postgres://u@db/tracktion?sslmode=require&password=hunter2&application_name=x'))
      .to.equal('postgres://u@db/tracktion?sslmode=require&password=***&application_name=x');
    expect(maskUrlPasswords('DATABASE_URL=postgres://db/t?password=hunter2')).to.equal('DATABASE_URL=postgres://db/t?password=***');
  });
});
