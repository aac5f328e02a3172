import { expect } from 'chai';
import { BASE, pathTo, resolveRevision, revisionStatus } from '../../src/schema/revisions.js';

describe('db revisions (pure)', function () {
  const known = ['A1000000000000', 'B1000000001000', 'C1000000002000'];

  it('resolves names, timestamps, names without timestamp, base and latest', function () {
    expect(resolveRevision(known, 'B1000000001000', 'latest')).to.equal('B1000000001000');
    expect(resolveRevision(known, '1000000002000', 'latest')).to.equal('C1000000002000');
    expect(resolveRevision(known, 'b', 'latest')).to.equal('B1000000001000');
    expect(resolveRevision(known, undefined, 'latest')).to.equal('C1000000002000');
    expect(resolveRevision(known, 'base', 'latest')).to.equal(BASE);
    expect(() => resolveRevision(known, 'Z', 'latest')).to.throw(/unknown revision "Z" — known revisions: base, A1000000000000/);
  });

  it('computes the path up, down, or none', function () {
    const status = revisionStatus(known, ['A1000000000000']);
    expect(status.pending).to.deep.equal(['B1000000001000', 'C1000000002000']);
    expect(pathTo(status, 'C1000000002000')).to.deep.equal({ direction: 'up', target: 'C1000000002000', revisions: ['B1000000001000', 'C1000000002000'] });
    expect(pathTo(status, BASE)).to.deep.equal({ direction: 'down', target: BASE, revisions: ['A1000000000000'] });
    expect(pathTo(status, 'A1000000000000').direction).to.equal('none');
  });

  it('reports revisions applied in the database that this code does not know', function () {
    const status = revisionStatus(known, ['A1000000000000', 'B1000000001000', 'C1000000002000', 'D1000000003000']);
    expect(status.unknownApplied).to.deep.equal(['D1000000003000']);
    expect(status.current).to.equal('D1000000003000');
  });
});
