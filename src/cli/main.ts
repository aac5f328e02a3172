#!/usr/bin/env -S node --max-semi-space-size=2
// A small young generation: a consumer allocates in short bursts per range; 2 MB semi-spaces keep its peak
// RSS near 130 MB instead of ~165 MB, with no measured loss of speed (npm run bench). Set at start-up: V8
// ignores the flag at run time. The Dockerfile and the demo pass it the same way.
import { CommanderError } from 'commander';
import { getConfig } from '../shared/config.js';
import { exitCodeFor, reportError } from './errorExit.js';
import { buildProgram } from './program.js';
import { endQuietlyWhenStdoutCloses } from './output.js';

/** Entry point of `tracktion-migrate`: parse, run, map any failure to one stderr line and an exit code. */
async function main(argv: string[]): Promise<number> {
  endQuietlyWhenStdoutCloses();
  const program = buildProgram();
  // Subcommands inherit exitOverride so usage errors come back here as CommanderError (exit 64).
  program.commands.forEach(function override(cmd) {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    reportError(err, debugEnabled());
    return exitCodeFor(err);
  }
}

function debugEnabled(): boolean {
  try {
    return ['debug', 'trace'].includes(getConfig().LOG_LEVEL);
  } catch {
    return false;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (!(err instanceof CommanderError)) console.error(err);
    process.exitCode = 1;
  },
);
