import { expect } from 'chai';
import type { Catalog, ColumnRow, ConstraintRow, IndexRow } from '../../src/schema/catalog.js';
import { classifyLibrary } from '../../src/schema/libraryState.js';
import { COLUMNS, CONSTRAINTS, INDEXES } from '../../src/shared/db/schemaSpec.js';

/** The library states of `db status`, from catalog rows (pure). */

const NO_DUPLICATES = { unkeyed: false, keys: 0, extraRows: 0, sampleTrackIds: [] };

const column = (table: string, name: string, type: string): ColumnRow => ({ table, name, type, nullable: true, comment: null });
const legacyTracks = (): ColumnRow[] => COLUMNS.filter((c) => c.accepts).map((c) => column(c.table, c.name, c.type));

function upgraded(): Catalog {
  return {
    columns: COLUMNS.map((c) => column(c.table, c.name, c.type)),
    indexes: INDEXES.map((i): IndexRow => ({ name: i.name, table: i.table, valid: true, unique: false, columns: i.columns })),
    constraints: CONSTRAINTS.map((c): ConstraintRow => ({
      name: c.name ?? `${c.table}_pkey`, table: c.table, type: c.type, valid: true, columns: c.columns,
      definition: c.type === 'f' ? 'FOREIGN KEY (track_id) REFERENCES tracks(id)' : '',
    })),
  };
}

describe('library state (pure)', function () {
  it('empty without tracks, legacy with only the legacy columns', function () {
    expect(classifyLibrary({ columns: [], indexes: [], constraints: [] }, null, NO_DUPLICATES).state).to.equal('empty');
    const legacy = classifyLibrary({ columns: legacyTracks(), indexes: [], constraints: [] }, '2023_12_20_001', NO_DUPLICATES);
    expect(legacy.state).to.equal('legacy');
    expect(legacy.migrateWill.at(-1)).to.equal("set the application's alembic_version from 2023_12_20_001 to 2024_01_15_001");
  });

  it('upgraded when every analysis object is present and valid; an INVALID index makes it partly upgraded', function () {
    expect(classifyLibrary(upgraded(), null, NO_DUPLICATES)).to.include({ state: 'upgraded' });
    const catalog = upgraded();
    catalog.indexes = catalog.indexes.map((i) => (i.name === 'ix_tracks_danceability' ? { ...i, valid: false } : i));
    const state = classifyLibrary(catalog, null, NO_DUPLICATES);
    expect(state.state).to.equal('partly-upgraded');
    expect(state.invalid).to.deep.equal(['ix_tracks_danceability']);
  });

  it('a foreign key of the same shape under another name is adopted, not missing', function () {
    const catalog = upgraded();
    catalog.constraints = catalog.constraints.map((c) => (c.type === 'f' ? { ...c, name: 'analysis_history_track_id_fkey' } : c));
    const state = classifyLibrary(catalog, null, NO_DUPLICATES);
    expect(state.state).to.equal('upgraded');
    expect(state.adopted).to.deep.equal([{ expected: 'fk_analysis_history_track', found: 'analysis_history_track_id_fkey' }]);
  });

  it('duplicates make migrate stop; an unknown Alembic revision and other types are noted', function () {
    const catalog = upgraded();
    catalog.columns = catalog.columns.map((c) => (c.table === 'tracks' && c.name === 'file_path' ? { ...c, type: 'character varying(1000)' } : c));
    const state = classifyLibrary(catalog, '2025_02_01_003', { unkeyed: true, keys: 2, extraRows: 3, sampleTrackIds: [7, 9] });
    expect(state.migrateWill).to.have.length(1);
    expect(state.migrateWill[0]).to.match(/^stop before changing anything: analysis_history holds 3 duplicate row\(s\) over 2/);
    expect(state.notes).to.include('tracks.file_path is character varying(1000) (the tool creates text): read as it is');
    expect(state.notes.some((n) => n.startsWith('alembic_version holds 2025_02_01_003'))).to.equal(true);
  });
});
