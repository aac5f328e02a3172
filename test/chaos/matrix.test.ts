import { expect } from 'chai';
import { runMatrix } from './matrix/runMatrix.js';
import { SHORT_MATRIX } from './matrix/shortMatrix.js';

/**
 * The short fault matrix: each scenario injects its fault on its own data and fleet and must end equal to an
 * uninterrupted run of the same data, with the ledger's promises kept. `npm run chaos -- --matrix` runs all.
 */
describe('fault matrix (short)', function () {
  this.timeout(600_000);

  for (const name of SHORT_MATRIX.scenarios) {
    it(`${name}: ends equal to an uninterrupted run`, async () => {
      const lines: string[] = [];
      const [result] = await runMatrix({ seed: SHORT_MATRIX.seed, outageMs: SHORT_MATRIX.outageMs, settleMs: SHORT_MATRIX.settleMs, only: [name], log: (l) => lines.push(l) });
      expect(result, 'the scenario ran').to.not.equal(undefined);
      // The log ends with the scenario's line and one line per failed check, sample ids included.
      expect(result?.ok, lines.join('\n')).to.equal(true);
    });
  }
});
