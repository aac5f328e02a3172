import type { MigrationClass } from '../src/schema/revisions.js';
import { Baseline1732500000000 } from './1732500000000-Baseline.js';
import type { DeferrableStep } from '../src/schema/deferredIndexes.js';
import { ANALYSIS_FIELDS_DEFERRABLE, AnalysisFields1732500001000 } from './1732500001000-AnalysisFields.js';
import { BackfillLedger1732500002000 } from './1732500002000-BackfillLedger.js';
import { BackfillOperations1732500003000 } from './1732500003000-BackfillOperations.js';
import { BackfillRole1732500004000 } from './1732500004000-BackfillRole.js';
import { RequestToken1732500005000 } from './1732500005000-RequestToken.js';
import { FleetRoleStatsOnly1732500008000 } from './1732500008000-FleetRoleStatsOnly.js';
import { LedgerStateChecks1732500009000 } from './1732500009000-LedgerStateChecks.js';
import { HistoryKeyRepair1732500010000 } from './1732500010000-HistoryKeyRepair.js';
import { FleetRoleRowVersion1732500011000 } from './1732500011000-FleetRoleRowVersion.js';

/**
 * Every revision, oldest first. Append-only: what a landed revision does to a database it ran on is never
 * changed (docs/development.md, "Adding a revision"); a new one is imported explicitly (ESM: no globs) and
 * appended with a later timestamp.
 */
export const allMigrations: MigrationClass[] = [Baseline1732500000000, AnalysisFields1732500001000, BackfillLedger1732500002000, BackfillOperations1732500003000, BackfillRole1732500004000,
  RequestToken1732500005000, FleetRoleStatsOnly1732500008000, LedgerStateChecks1732500009000, HistoryKeyRepair1732500010000,
  FleetRoleRowVersion1732500011000];

/** The index steps of every revision that `db migrate --defer-indexes` may leave for `db build-indexes`. */
export const deferrableSteps: readonly DeferrableStep[] = [...ANALYSIS_FIELDS_DEFERRABLE];
