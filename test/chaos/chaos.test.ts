import { expect } from 'chai';
import { runChaos } from './runChaos.js';

/** The short chaos run of CI: fewer tracks, one fault of each kind; `npm run chaos` is the long one. */
describe('chaos (short run)', function () {
  this.timeout(600_000);

  it('ends equal to an uninterrupted run after one fault of each kind', async () => {
    const lines: string[] = [];
    const results = await runChaos({ seed: 7, tracks: 30_000, consumers: 3, faultsPerKind: 1, log: (l) => lines.push(l) });
    const failed = results.filter((r) => !r.ok);
    expect(failed, `${lines.join('\n')}\n${failed.map((r) => `${r.name}: ${r.detail}`).join('\n')}`).to.deep.equal([]);
    expect(results.length).to.equal(7);
  });
});
