import type { ThrottleView } from '../throttle.js';

/**
 * The throttle's reason as a bounded label value. The reason is text for people and carries numbers
 * ("replication lag 12.5 s above 10 s"); a label value per number would be a new series each time.
 */
export function throttleReasonLabel(view: ThrottleView): string {
  if (view.rate === null) return 'none';
  const reason = view.reason ?? '';
  const known: [RegExp, string][] = [
    [/application .*latency/i, 'app_latency'], [/lock/i, 'lock_waits'], [/replication/i, 'replication_lag'], [/usual time|duration/i, 'range_duration'],
    [/operator cap/i, 'operator_cap'], [/recovering/i, 'recovering'],
  ];
  return known.find(([pattern]) => pattern.test(reason))?.[1] ?? 'other';
}
