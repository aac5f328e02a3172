/** Process exit codes of every command; scripts depend on them (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  partial: 2,
  usage: 64,
  serviceUnavailable: 69,
  badConfiguration: 78,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
