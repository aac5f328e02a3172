import { expect } from 'chai';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { YAML_V10, YAML_V21 } from './fixtures.js';
import { fingerprint, makeTempDir, modeOf, writeFixture } from './helpers.js';

/** `tracktion-migrate config migrate`, run as an operator runs it, in a temporary working directory. */

const OLD = new Date('2020-01-01T00:00:00Z');

async function aged(dir: string, name: string, text: string, mode = 0o644): Promise<string> {
  const path = await writeFixture(dir, name, text, mode);
  await utimes(path, OLD, OLD);
  return path;
}

describe('tracktion-migrate config migrate', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('config-cli'));
  });
  afterEach(async () => cleanup());

  it('default set: migrates, leaves current files alone, reports not found and failed, exits 2', async () => {
    const dev = await aged(dir, 'config/development.yaml', YAML_V10, 0o600);
    const prod = await aged(dir, 'config/production.yaml', YAML_V21);
    const bad = await aged(dir, 'services/analysis_service/config.yaml', 'version: 1.0\nports: [8001\nname: x\n');
    const [prodBefore, badBefore] = [await fingerprint(prod), await fingerprint(bad)];
    const result = await runCli(['config', 'migrate'], { cwd: dir });
    expect(result.stdout.trimEnd().split('\n')).to.deep.equal([
      'config/development.yaml: migrated 1.0 -> 2.1 (backup: config/development.yaml.1.0.backup)',
      'config/production.yaml: already current (2.1)',
      'config/testing.yaml: not found',
      `services/analysis_service/config.yaml: failed: invalid YAML at line 3, column 1: ${'Flow sequence in block collection must be sufficiently indented and end with a ]'}`,
      'services/tracklist_service/config.yaml: not found',
      '2/3 files migrated successfully',
    ]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('tracktion-migrate: 1 of 3 files failed');
    expect(parseYaml(await readFile(dev, 'utf8'))).to.deep.include({ version: '2.1', cache_size_mb: 512 });
    expect(await modeOf(dev)).to.equal(0o600);
    expect(await readFile(`${dev}.1.0.backup`, 'utf8')).to.equal(YAML_V10);
    expect(await modeOf(`${dev}.1.0.backup`)).to.equal(0o600);
    expect(await fingerprint(prod)).to.deep.equal(prodBefore);
    expect(await fingerprint(bad)).to.deep.equal(badBefore);
    expect(await readdir(join(dir, 'services/analysis_service'))).to.deep.equal(['config.yaml']);
  });

  it('is idempotent: a second run finds everything current and touches nothing', async () => {
    const dev = await aged(dir, 'config/development.yaml', YAML_V10);
    const first = await runCli(['config', 'migrate', 'config/development.yaml'], { cwd: dir });
    expect(first.code).to.equal(0);
    await utimes(dev, OLD, OLD);
    const after = await fingerprint(dev);
    const second = await runCli(['config', 'migrate', 'config/development.yaml'], { cwd: dir });
    expect(second.stdout).to.equal('config/development.yaml: already current (2.1)\n1/1 files migrated successfully\n');
    expect(second.code).to.equal(0);
    expect(await fingerprint(dev)).to.deep.equal(after);
    expect((await readdir(join(dir, 'config'))).sort()).to.deep.equal(['development.yaml', 'development.yaml.1.0.backup']);
  });

  it('--dry-run prints a unified diff with secrets masked and writes nothing', async () => {
    const dev = await aged(dir, 'config/development.yaml', YAML_V10);
    const before = await fingerprint(dev);
    const result = await runCli(['config', 'migrate', '--dry-run', 'config/development.yaml'], { cwd: dir });
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('--- config/development.yaml\tcurrent\n+++ config/development.yaml\tmigrated\n');
    expect(result.stdout).to.include('+version: "2.1"\n');
    expect(result.stdout).to.include('-database_url: "postgresql://tracktion:***@localhost:5432/tracktion"');
    expect(result.stdout).to.not.include('db-s3cret');
    expect(result.stdout).to.include('config/development.yaml: would migrate 1.0 -> 2.1 (dry run)\n1/1 files migrated successfully (dry run: nothing was written)\n');
    expect(await fingerprint(dev)).to.deep.equal(before);
    expect(await readdir(join(dir, 'config'))).to.deep.equal(['development.yaml']);
  });

  it('--json reports the run as one JSON object', async () => {
    await aged(dir, 'app.json', '{\n  "name": "x"\n}\n');
    await writeFile(join(dir, 'app.json.1.0.backup'), 'an older backup');
    const result = await runCli(['config', 'migrate', '--json', '--to', '2.0', 'app.json', 'missing.yaml'], { cwd: dir });
    expect(result.code).to.equal(2);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).to.have.length(1);
    const report = JSON.parse(lines[0]!) as { files: { backup?: string }[] };
    expect(report).to.deep.include({ command: 'config migrate', target: '2.0', dryRun: false, message: '1/2 files migrated successfully' });
    expect(report.files[0]).to.deep.include({ path: 'app.json', status: 'migrated', from: '1.0', to: '2.0', warnings: [] });
    expect(report.files[0]!.backup).to.match(/^app\.json\.1\.0\.\d{8}T\d{9}Z\.backup$/);
    expect(report.files[1]).to.deep.equal({ path: 'missing.yaml', status: 'not found', warnings: [] });
    expect(await readFile(join(dir, 'app.json.1.0.backup'), 'utf8')).to.equal('an older backup');
    expect(JSON.parse(await readFile(join(dir, report.files[0]!.backup!), 'utf8'))).to.deep.equal({ name: 'x' });
  });

  it('an unknown version in a file is an error naming the file and the version; the file is untouched', async () => {
    const path = await aged(dir, 'future.yaml', 'version: "3.0"\nname: x\n');
    const before = await fingerprint(path);
    const result = await runCli(['config', 'migrate', 'future.yaml'], { cwd: dir });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.include('future.yaml: failed: unknown configuration version "3.0" (known versions: 1.0, 1.1, 2.0, 2.1)');
    expect(await fingerprint(path)).to.deep.equal(before);
  });

  it('invalid JSON names the file and line; the file is untouched', async () => {
    const path = await aged(dir, 'broken.json', '{\n  "a": 1\n  "b": 2\n}\n');
    const before = await fingerprint(path);
    const result = await runCli(['config', 'migrate', 'broken.json'], { cwd: dir });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.match(/broken\.json: failed: invalid JSON at line 3, column 3: /);
    expect(await fingerprint(path)).to.deep.equal(before);
  });

  it('an unknown --to is a usage error (exit 64)', async () => {
    const result = await runCli(['config', 'migrate', '--to', '1.10'], { cwd: dir });
    expect(result.code).to.equal(64);
    expect(result.stderr).to.include('--to: unknown configuration version "1.10"');
  });

  it('--help shows the examples', async () => {
    const result = await runCli(['config', 'migrate', '--help'], { cwd: dir });
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include('Examples:\n  $ tracktion-migrate config migrate --dry-run');
  });
});
