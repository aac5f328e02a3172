/** Process exit codes of every command; scripts depend on them (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  partial: 2,
  usage: 64,
  serviceUnavailable: 69,
  /** RabbitMQ refused something reconnecting cannot fix (EX_PROTOCOL): a declaration, a permission, a login, a vhost. */
  brokerRefused: 76,
  badConfiguration: 78,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
