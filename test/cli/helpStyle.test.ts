import { expect } from 'chai';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { commandPath } from '../../src/cli/helpExamples.js';

function allCommands(root: Command): Command[] {
  return root.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** The help a user sees for a command, its added text (examples) included. */
function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

/** Lowercase first word (a name in capitals, such as ETA or SQL, may stay) and no trailing period. */
function styleProblem(text: string): string | undefined {
  if (/^[A-Z][a-z]/.test(text)) return 'starts with a capital';
  if (/\.$/.test(text)) return 'ends with a period';
  return undefined;
}

describe('help text in one style', () => {
  const program = buildProgram();
  const commands = allCommands(program);

  it('every command and option description: lowercase first word, no trailing period', () => {
    const problems: string[] = [];
    for (const cmd of [program, ...commands]) {
      const name = commandPath(cmd) || 'tracktion-migrate';
      const own = styleProblem(cmd.description());
      if (own) problems.push(`${name}: ${own}`);
      for (const option of cmd.options as Option[]) {
        const problem = styleProblem(option.description);
        if (problem) problems.push(`${name} ${option.flags}: ${problem}`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('every command ends its help with examples, each a `$ tracktion-migrate …` or a pipeline into it', () => {
    const missing = commands.filter((cmd) => !/\nExamples:\n( {2}\$ .*tracktion-migrate .*\n?)+/.test(helpOf(cmd))).map(commandPath);
    expect(missing).to.deep.equal([]);
  });

  it('every command takes --quiet, --verbose and --log-level (shown in its help)', () => {
    const missing = commands.filter((cmd) => !['--quiet', '--verbose', '--log-level <level>'].every((f) => helpOf(cmd).includes(f))).map(commandPath);
    expect(missing).to.deep.equal([]);
  });
});
