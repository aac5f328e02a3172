import { execFileSync } from 'node:child_process';

/** The code a bench measured: the commit, and the fleet files edited on top of it (others work in the same tree). */
export interface MeasuredCode {
  commit: string;
  uncommitted: string[];
}

/** The commit, and the files of the fleet changed on top of it; "unknown" outside a git checkout. */
export function measuredCode(): MeasuredCode {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    // Porcelain lines are "XY path": the status columns may be spaces, so no trim before slicing them off.
    const uncommitted = git('status', '--porcelain', '--', 'src/consumers', 'src/producer', 'src/shared', 'migrations')
      .split('\n').filter(Boolean).map((line) => line.slice(3));
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), uncommitted };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}
