import type { LibraryState } from '../schema/libraryState.js';
import { printLine } from './output.js';
import { printable } from './safeText.js';

/**
 * The library-state part of `db status`: what the tool found in the database, in words. Names come from the
 * catalog (the application's column names, its Alembic revision id) and are printed as data, made printable.
 */

const STATE_WORDS: Record<LibraryState['state'], string> = {
  empty: 'empty (no tracks table)',
  legacy: 'legacy (not upgraded yet)',
  'partly-upgraded': 'partly upgraded',
  upgraded: 'upgraded (every analysis object present and valid)',
};

const UPGRADED_DEFERRED = 'upgraded (every analysis object present and valid, but for the deferred indexes below)';

export function printLibraryState(library: LibraryState): void {
  const alembic = library.alembicVersion === null ? 'no alembic_version' : `Alembic revision ${library.alembicVersion}`;
  const words = library.state === 'upgraded' && library.deferred.length ? UPGRADED_DEFERRED : STATE_WORDS[library.state];
  printLine(printable(`library: ${words}; ${alembic}`));
  const list = (label: string, items: string[]) => {
    if (items.length) printLine(printable(`  ${label}: ${items.join(', ')}`));
  };
  list('present', library.present);
  list('missing', library.missing);
  list('unfinished', library.invalid);
  list('deferred', library.deferred.map((d) => `${d.index} (since ${d.deferredAt})`));
  list('adopted', library.adopted.map((a) => `${a.found} (stands for ${a.expected})`));
  for (const note of library.notes) printLine(printable(`  note: ${note}`));
  for (const step of library.migrateWill) printLine(printable(`  db migrate will ${step}`));
}
