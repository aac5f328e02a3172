import { expect } from 'chai';
import { BASE, defaultRollbackTarget, pathTo, refuseUpWhilePartlyReverted, resolveRevision, revisionStatus } from '../../src/schema/revisions.js';

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

  describe('a revision interrupted half-way', function () {
    const [a, b, c] = known as [string, string, string];
    const at = '2026-01-01T00:00:00Z';

    it('is partly applied when it is not recorded as applied: a rollback undoes it first, a migrate finishes it', function () {
      const status = revisionStatus(known, [a], [{ revision: b, direction: 'up', startedAt: at }]);
      expect(status.partlyApplied).to.deep.equal([b]);
      expect(status.pending).to.deep.equal([b, c]);
      expect(defaultRollbackTarget(status)).to.equal(a);
      expect(pathTo(status, defaultRollbackTarget(status))).to.deep.equal({ direction: 'down', target: a, revisions: [b] });
      expect(pathTo(status, BASE)).to.deep.equal({ direction: 'down', target: BASE, revisions: [b, a] });
      expect(pathTo(status, c)).to.deep.equal({ direction: 'up', target: c, revisions: [b, c] });
    });

    it('stays partly applied while its undo is interrupted; with nothing applied the rollback goes to base', function () {
      const status = revisionStatus(known, [], [{ revision: a, direction: 'down', startedAt: at }]);
      expect(status.partlyApplied).to.deep.equal([a]);
      expect(pathTo(status, defaultRollbackTarget(status))).to.deep.equal({ direction: 'down', target: BASE, revisions: [a] });
    });

    it('is partly reverted when its rollback was interrupted while it is recorded: only a rollback may go on', function () {
      const status = revisionStatus(known, [a, b], [{ revision: b, direction: 'down', startedAt: at }]);
      expect(status.partlyApplied).to.deep.equal([]);
      expect(status.partlyReverted).to.deep.equal([b]);
      expect(pathTo(status, defaultRollbackTarget(status))).to.deep.equal({ direction: 'down', target: a, revisions: [b] });
      expect(() => refuseUpWhilePartlyReverted(status, pathTo(status, c))).to.throw(/B1000000001000 is partly reverted .*run "db rollback" to finish reverting it first/);
      expect(() => refuseUpWhilePartlyReverted(status, pathTo(status, a))).not.to.throw();
    });

    it('is whole when TypeORM recorded it before the process died (a stale record of an up run)', function () {
      const status = revisionStatus(known, [a, b], [{ revision: b, direction: 'up', startedAt: at }]);
      expect(status.partlyApplied).to.deep.equal([]);
      expect(status.partlyReverted).to.deep.equal([]);
      expect(status.interrupted).to.deep.equal([]);
      expect(defaultRollbackTarget(status)).to.equal(a);
    });
  });
});
