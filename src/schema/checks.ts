/** One line of `db verify`: a PASS/FAIL/INFO verdict on the schema or the data, with its numbers. */
export type CheckStatus = 'PASS' | 'FAIL' | 'INFO';

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
