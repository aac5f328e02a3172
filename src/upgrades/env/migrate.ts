import { parse as parseDotenv } from 'dotenv';
import { InvalidFileError } from '../errors.js';
import type { Plan } from '../plan.js';
import { parseEnv, type EnvVariable } from './parse.js';
import { UnwritableValue, maskEnvText, renderEnv } from './render.js';
import { encodeValue } from './quote.js';
import { upgradeV1ToV2, upgradeV2ToV21 } from './steps.js';
import { ENV_VERSIONS, detectEnvVersion, envVersionIndex, type EnvVersion } from './versions.js';

export interface EnvPlanOptions {
  target: EnvVersion;
  now: Date;
  /** The ENCRYPTION_MASTER_KEY to add: a placeholder, or a fresh random key (`--generate-secrets`). */
  masterKey: () => string;
}

/**
 * Plan the upgrade of one .env file's text: detect, run each step, render grouped and sorted, and prove
 * the output reads back (with dotenv) to every variable with its exact value. Pure apart from the
 * injected clock and key source.
 */
export function planEnvMigration(fileName: string, text: string, options: EnvPlanOptions): Plan {
  const parsed = parseEnv(fileName, text);
  const from = detectEnvVersion(new Set(parsed.variables.map((v) => v.key)));
  if (envVersionIndex(from) >= envVersionIndex(options.target)) {
    const note = from === options.target ? undefined : `at ${from}, newer than the target ${options.target}; not downgraded`;
    return { kind: 'current', from, to: options.target, note };
  }
  let vars: Map<string, string> = new Map(parsed.variables.map((v) => [v.key, v.value]));
  const warnings = [...parsed.warnings];
  for (const step of ENV_VERSIONS.slice(envVersionIndex(from), envVersionIndex(options.target))) {
    const result = step === 'v1' ? upgradeV1ToV2(vars) : upgradeV2ToV21(vars, options.masterKey());
    vars = result.vars;
    warnings.push(...result.warnings.map((w) => `${fileName}: ${w}`));
  }
  const variables = withMetadata(parsed.variables, vars);
  const render = (mask: boolean) =>
    renderEnv(variables, { version: options.target, migratedAt: options.now, trailingComments: parsed.trailingComments, mask });
  let output: string;
  try {
    output = render(false);
  } catch (err) {
    if (err instanceof UnwritableValue) throw new InvalidFileError(`${fileName}: ${err.message}; file left untouched`);
    throw err;
  }
  checkReadsBack(fileName, output, vars, variables.filter((v) => encodeValue(v.value) === undefined).map((v) => v.key));
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  return {
    kind: 'migrate',
    from,
    to: options.target,
    output: output.replace(/\n/g, newline),
    warnings,
    maskedBefore: maskEnvText(parsed.text, parsed.valueSpans),
    maskedAfter: render(true),
  };
}

/** Variables of the input keep their comments and `export`; new ones are exported when all the old ones were. */
function withMetadata(original: EnvVariable[], vars: ReadonlyMap<string, string>): EnvVariable[] {
  const byKey = new Map(original.map((v) => [v.key, v]));
  const exportAll = original.length > 0 && original.every((v) => v.exported);
  return [...vars].map(([key, value]) => {
    const known = byKey.get(key);
    return known ? { ...known, comments: [...known.comments], value } : { key, value, exported: exportAll, comments: [] };
  });
}

/** `writtenAsIs` are the variables no quoting can hold, written as the operator wrote them: the likely cause. */
function checkReadsBack(fileName: string, output: string, vars: ReadonlyMap<string, string>, writtenAsIs: string[]): void {
  const reread = parseDotenv(output);
  for (const [key, value] of vars) {
    if (Object.hasOwn(reread, key) ? reread[key] !== value : key !== '__proto__') {
      const culprit = writtenAsIs.length > 0 ? writtenAsIs.join(', ') : key;
      throw new InvalidFileError(
        `${fileName}: ${culprit} would not read back unchanged after migration (a value ending in a backslash, or mixing every quote kind with #, a line break or edge spaces, has no safe .env spelling); file left untouched`,
      );
    }
  }
}
