import { CommanderError } from 'commander';
import { exitCodeFor, reportError } from '../../src/cli/errorExit.js';
import { TracktionError } from '../../src/shared/errors.js';

/**
 * Run a bench's `main(argv)`: its return value is the exit code; a failure is reported as the CLI reports it,
 * and a bug or an unexpected failure gets its stack — a bench run is worth a bug report.
 */
export function runEntryPoint(main: (argv: string[]) => Promise<number>): void {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      reportError(err, !(err instanceof CommanderError) && !(err instanceof TracktionError));
      process.exitCode = exitCodeFor(err);
    },
  );
}
