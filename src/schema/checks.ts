/**
 * One line of `db verify`: a PASS/FAIL/INFO/WARN verdict on the schema or the data, with its numbers. WARN: not
 * as specified yet on purpose (an index deferred by `db migrate --defer-indexes`); it does not fail the command.
 */
export type CheckStatus = 'PASS' | 'FAIL' | 'INFO' | 'WARN';

export interface Check {
  area: 'schema' | 'data';
  name: string;
  status: CheckStatus;
  detail: string;
  numbers: Record<string, number>;
}

export interface VerifyReport {
  ok: boolean;
  checks: Check[];
}

export function fail(area: Check['area'], name: string, detail: string, numbers: Record<string, number>): Check {
  return { area, name, status: 'FAIL', detail, numbers };
}
