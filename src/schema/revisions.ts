import type { MigrationInterface } from 'typeorm';
import { RevisionError } from './errors.js';

/**
 * Pure revision arithmetic: which revisions exist (in code), which are applied (in the database), and the
 * path from the current revision to a target. `base` is "before the first revision".
 */

export const BASE = 'base';

/**
 * A revision class: TypeORM builds it with `new` and orders by the 13-digit timestamp ending its name. The
 * schema tool is given its revision list (`migrations/index.ts`) by the command that runs it.
 */
export type MigrationClass = new () => MigrationInterface;

export interface RevisionStatus {
  /** Every revision the code knows, oldest first. */
  known: string[];
  /** Revisions recorded as applied, oldest first (may include ones the code does not know). */
  applied: string[];
  pending: string[];
  /** The newest applied revision, or null when none is. */
  current: string | null;
  /** Applied in the database but missing from this code — a newer version of the tool ran here. */
  unknownApplied: string[];
  /**
   * Revisions started outside a transaction and not recorded as applied: interrupted half-way, up or down.
   * Newer than every applied revision: a rollback undoes them first, a migrate finishes them (they are pending).
   */
  partlyApplied: string[];
  /** Applied revisions whose rollback was interrupted half-way: only `db rollback` can finish them. */
  partlyReverted: string[];
  /** The records behind the two lists above, oldest start first. */
  interrupted: InterruptedRevision[];
}

/** A revision run outside a transaction that was started and has not finished (see revisionProgress.ts). */
export interface InterruptedRevision {
  revision: string;
  /** `up` was started by `db migrate`, `down` by `db rollback`. */
  direction: 'up' | 'down';
  /** ISO 8601, when the interrupted run started the revision. */
  startedAt: string;
}

export interface RevisionPath {
  direction: 'up' | 'down' | 'none';
  target: string;
  /** Revisions to apply (oldest first) or to revert (newest first). */
  revisions: string[];
}

/** The name TypeORM records for a class: its `name` property, else the class name. */
export function revisionName(cls: MigrationClass): string {
  return new cls().name ?? cls.name;
}

/** The 13-digit timestamp that ends a revision name (TypeORM orders by it). */
export function revisionTimestamp(name: string): number {
  const ts = Number(name.slice(-13));
  if (!Number.isInteger(ts) || ts <= 0) throw new RevisionError(`revision ${name} does not end with a 13-digit timestamp`);
  return ts;
}

export function knownRevisions(classes: readonly MigrationClass[]): string[] {
  return classes.map(revisionName).sort((a, b) => revisionTimestamp(a) - revisionTimestamp(b));
}

/**
 * `inProgress` are the records of revisions started and not finished. One for an applied revision whose
 * direction is `up` is stale (the process died after TypeORM recorded the revision): the revision is whole.
 */
export function revisionStatus(known: string[], appliedInOrder: string[], inProgress: readonly InterruptedRevision[] = []): RevisionStatus {
  const appliedSet = new Set(appliedInOrder);
  const interrupted = inProgress.filter((p) => !(appliedSet.has(p.revision) && p.direction === 'up'));
  return {
    known,
    applied: appliedInOrder,
    pending: known.filter((r) => !appliedSet.has(r)),
    current: appliedInOrder.at(-1) ?? null,
    unknownApplied: appliedInOrder.filter((r) => !known.includes(r)),
    partlyApplied: interrupted.filter((p) => !appliedSet.has(p.revision)).map((p) => p.revision),
    partlyReverted: interrupted.filter((p) => appliedSet.has(p.revision)).map((p) => p.revision),
    interrupted,
  };
}

/**
 * Where `db rollback` without `--to` goes: undo what is partly applied and stop at the current revision;
 * otherwise revert the newest applied revision.
 */
export function defaultRollbackTarget(status: RevisionStatus): string {
  if (status.partlyApplied.length) return status.current ?? BASE;
  return status.applied.at(-2) ?? BASE;
}

/**
 * A target as the operator types it: a full revision name, its 13-digit timestamp, the name without the
 * timestamp (`AnalysisFields`), `base`, or `latest`/`head`. Anything else is a usage error listing the choices.
 */
export function resolveRevision(known: string[], input: string | undefined, fallback: 'latest' | 'base'): string {
  const wanted = (input ?? fallback).trim();
  if (wanted === BASE) return BASE;
  if (wanted === 'latest' || wanted === 'head') {
    const last = known.at(-1);
    return last ?? BASE;
  }
  const match = known.find((r) => r === wanted || r.slice(-13) === wanted || r.slice(0, -13).toLowerCase() === wanted.toLowerCase());
  if (!match) {
    throw new RevisionError(`unknown revision "${wanted}" — known revisions: ${[BASE, ...known].join(', ')} (or latest)`);
  }
  return match;
}

/**
 * The revisions between the applied state and the target, in the order they would run. A partly-applied
 * revision is pending, so a migrate finishes it; it is newer than every applied one, so a rollback undoes it
 * first. A partly-reverted revision must be finished by a rollback before anything is applied (refuseUpWhilePartlyReverted).
 */
export function pathTo(status: RevisionStatus, target: string): RevisionPath {
  const targetIndex = target === BASE ? -1 : status.known.indexOf(target);
  const wantedApplied = new Set(status.known.slice(0, targetIndex + 1));
  const toApply = status.known.filter((r) => wantedApplied.has(r) && !status.applied.includes(r));
  const partly = [...status.partlyApplied].sort((a, b) => revisionTimestamp(b) - revisionTimestamp(a));
  const toRevert = [...partly, ...[...status.applied].reverse()].filter((r) => status.known.includes(r) && !wantedApplied.has(r));
  if (toApply.length && toRevert.length) {
    throw new RevisionError(`the applied revisions (${status.applied.join(', ')}) have a gap; roll back to ${status.current ?? BASE} first`);
  }
  if (toApply.length) return { direction: 'up', target, revisions: toApply };
  if (toRevert.length) return { direction: 'down', target, revisions: toRevert };
  return { direction: 'none', target, revisions: [] };
}

/** Applying on top of a half-reverted revision would build on a schema no revision describes. */
export function refuseUpWhilePartlyReverted(status: RevisionStatus, path: RevisionPath): void {
  if (path.direction !== 'up' || !status.partlyReverted.length) return;
  throw new RevisionError(`${status.partlyReverted.join(', ')} is partly reverted (a rollback was interrupted); run "db rollback" to finish reverting it first`);
}
