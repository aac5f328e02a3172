import { expect } from 'chai';
import { readFileSync } from 'node:fs';

/**
 * One Node.js release for every place the code runs: `.node-version` is the source; the image, `engines` and the
 * process running these tests (CI puts it on PATH with scripts/use-node.sh) follow it.
 */

const read = (path: string) => readFileSync(path, 'utf8');
const wanted = read('.node-version').trim();
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

describe('deployment files: the Node.js release', () => {
  it('.node-version names a full release of the LTS line 24', () => {
    expect(wanted).to.match(/^\d+\.\d+\.\d+$/);
    expect(major(wanted)).to.equal(24);
  });

  it('the image builds and runs on that release, in both stages', () => {
    const dockerfile = read('Dockerfile');
    expect(/^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).to.equal(wanted);
    const froms = dockerfile.match(/^FROM \S+/gm) ?? [];
    expect(froms).to.have.length(2);
    for (const from of froms) expect(from).to.equal('FROM node:${NODE_VERSION}-bookworm-slim');
  });

  it('package.json engines asks for that major or later', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).to.equal(`>=${major(wanted)}`);
  });

  it('these tests run on that major (what CI and the README commands use)', () => {
    expect(major(process.version), `tests run on ${process.version}; . scripts/use-node.sh puts ${wanted} on PATH`)
      .to.equal(major(wanted));
  });
});
