import { expect } from 'chai';
import { deferrableSteps } from '../../migrations/index.js';
import type { Catalog, ColumnRow, ConstraintRow, IndexRow } from '../../src/schema/catalog.js';
import { deferVerdict, type DeferredIndex } from '../../src/schema/deferredIndexes.js';
import { classifyLibrary } from '../../src/schema/libraryState.js';
import { ANALYSIS_FIELDS, BASELINE, COLUMNS, CONSTRAINTS, HISTORY_UNIQUE_KEY, INDEXES } from '../../src/shared/db/schemaSpec.js';

/** Which steps may be deferred, and how a library with deferred indexes is told (pure). */

const NO_DUPLICATES = { unkeyed: false, keys: 0, extraRows: 0, sampleTrackIds: [] };
const deferred = (index: string): DeferredIndex => ({ index, table: 'tracks', revision: ANALYSIS_FIELDS, deferredAt: '2026-01-01T00:00:00Z' });

function catalogWithout(absent: string[]): Catalog {
  return {
    columns: COLUMNS.map((c): ColumnRow => ({ table: c.table, name: c.name, type: c.type, nullable: true, comment: null })),
    indexes: INDEXES.filter((i) => !absent.includes(i.name)).map((i): IndexRow => ({ name: i.name, table: i.table, valid: true, unique: false, columns: i.columns })),
    constraints: CONSTRAINTS.map((c): ConstraintRow => ({
      name: c.name ?? `${c.table}_pkey`, table: c.table, type: c.type, valid: true, columns: c.columns,
      definition: c.type === 'f' ? 'FOREIGN KEY (track_id) REFERENCES tracks(id)' : '',
    })),
  };
}

describe('deferred indexes (pure)', function () {
  it('only the six query indexes of the spec are deferrable; the unique key the backfill writes through never is', function () {
    const names = deferrableSteps.map((d) => d.step.deferrable?.index);
    expect(names).to.have.members(INDEXES.map((i) => i.name));
    expect(names).not.to.include(HISTORY_UNIQUE_KEY);
    for (const { step } of deferrableSteps) expect(step.sql).to.match(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS /);
  });

  it('a deferred index is neither missing nor invalid, and the library is upgraded; one missing without a record is missing', function () {
    const catalog = catalogWithout(['ix_tracks_energy_level', 'ix_tracks_danceability']);
    const state = classifyLibrary(catalog, null, NO_DUPLICATES, [deferred('ix_tracks_energy_level')]);
    expect(state.deferred.map((d) => d.index)).to.deep.equal(['ix_tracks_energy_level']);
    expect(state.missing).to.deep.equal(['ix_tracks_danceability']);
    expect(state.state).to.equal('partly-upgraded');
    const onlyDeferred = classifyLibrary(catalogWithout(['ix_tracks_energy_level']), null, NO_DUPLICATES, [deferred('ix_tracks_energy_level')]);
    expect(onlyDeferred.state).to.equal('upgraded');
    expect(onlyDeferred.notes.at(-1)).to.include('ix_tracks_energy_level — queries on their columns scan the table until then');
  });

  it('an INVALID deferred index (a build killed half-way) is still deferred', function () {
    const catalog = catalogWithout([]);
    catalog.indexes = catalog.indexes.map((i) => (i.name === 'ix_tracks_danceability' ? { ...i, valid: false } : i));
    const state = classifyLibrary(catalog, null, NO_DUPLICATES, [deferred('ix_tracks_danceability')]);
    expect(state).to.deep.include({ state: 'upgraded', invalid: [] });
    expect(state.deferred.map((d) => d.index)).to.deep.equal(['ix_tracks_danceability']);
  });

  it('the pre-flight verdict names what is left for later, or says there is nothing to defer on the path', function () {
    expect(deferVerdict([BASELINE, ANALYSIS_FIELDS], deferrableSteps)).to.include({ check: 'deferred indexes', status: 'ok' });
    expect(deferVerdict([BASELINE], deferrableSteps)).to.include({ status: 'note' });
  });
});
