import { backupUnlessSkipped, withDb } from './dbSession.js';
import { DELETE_OLDER_DUPLICATES_SQL, findHistoryDuplicates } from '../schema/historyDuplicates.js';
import { printMessage } from './output.js';

/**
 * Delete the older of duplicated history rows (same track, type and version), keeping the newest of each key:
 * what stands in the way of the unique key on a library whose history was written without one. A preview
 * without --yes; with it, a backup first (unless --no-backup), then one statement.
 */
export async function dedupeHistoryAction(options: { yes?: boolean; backup?: boolean }): Promise<void> {
  await withDb(async (db) => {
    const query = async (sql: string, params: unknown[]) => (await db.pool.query(sql, params)).rows as Record<string, unknown>[];
    const found = await findHistoryDuplicates(query);
    if (found.keys === 0) {
      printMessage(found.unkeyed ? 'analysis_history holds no duplicate keys: nothing to do' : 'analysis_history has its unique key (or does not exist): no duplicates possible, nothing to do');
      return;
    }
    const what = `${found.extraRows} older row(s) over ${found.keys} duplicated key(s) (track ids ${found.sampleTrackIds.join(', ')}${found.keys > found.sampleTrackIds.length ? ', …' : ''})`;
    if (!options.yes) {
      printMessage(`would delete ${what}, keeping the newest row (highest id) of each key — pass --yes to delete them`);
      return;
    }
    await backupUnlessSkipped(db, options.backup !== false);
    const { rowCount } = await db.pool.query(DELETE_OLDER_DUPLICATES_SQL);
    printMessage(`deleted ${rowCount ?? 0} older duplicate analysis_history row(s), kept the newest of each of ${found.keys} key(s); run db migrate to build the unique key`);
  });
}
