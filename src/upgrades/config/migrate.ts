import { isDeepStrictEqual } from 'node:util';
import { parseDocument, type Document } from 'yaml';
import { InvalidFileError } from '../errors.js';
import type { Plan } from '../plan.js';
import { renderJson } from './jsonRender.js';
import { maskConfigText } from './mask.js';
import { parseConfig, type ConfigFormat } from './parse.js';
import { STEPS } from './steps.js';
import { CONFIG_VERSIONS, compareVersions, detectConfigVersion, stepsBetween, type ConfigVersion } from './versions.js';
import { renderYaml, type Absorbed } from './yamlRender.js';
import { detectStyle, renderWholeYaml } from './yamlStyle.js';

/**
 * Plan the upgrade of one configuration file's text to `target`: detect its version, run each step in
 * order, and render the result in the file's own format. Pure: no I/O, the input is never changed.
 */
export function planConfigMigration(fileName: string, text: string, target: ConfigVersion): Plan {
  const parsed = parseConfig(fileName, text);
  const detection = detectConfigVersion(parsed.data, parsed.versionText);
  if ('unknown' in detection) {
    throw new InvalidFileError(`${fileName}: unknown configuration version "${detection.unknown}" (known versions: ${CONFIG_VERSIONS.join(', ')})`);
  }
  const from = detection.version;
  if (compareVersions(from, target) >= 0) {
    const note = from === target ? undefined : `at ${from}, newer than the target ${target}; not downgraded`;
    return { kind: 'current', from, to: target, note };
  }
  let doc = parsed.doc;
  const warnings: string[] = [];
  const absorbed: Absorbed = {};
  for (const [step] of stepsBetween(from, target)) {
    const result = STEPS[step as keyof typeof STEPS](doc);
    doc = result.doc;
    warnings.push(...result.warnings.map((w) => `${fileName}: ${w}`));
    for (const [section, keys] of Object.entries(result.absorbed)) {
      absorbed[section] = [...(Object.hasOwn(absorbed, section) ? absorbed[section]! : []), ...keys];
    }
  }
  const output = render(fileName, parsed.format, text, { original: parsed.doc, next: doc, absorbed }, warnings);
  return { kind: 'migrate', from, to: target, output, warnings, maskedBefore: maskConfigText(text), maskedAfter: maskConfigText(output) };
}

/** Render, then prove the text reads back as the migrated data; the library's own rendering is the fallback. */
function render(
  fileName: string,
  format: ConfigFormat,
  text: string,
  { original, next, absorbed }: { original: Document; next: Document; absorbed: Absorbed },
  warnings: string[],
): string {
  const expected = next.toJS({ maxAliasCount: -1 }) as unknown;
  if (format === 'json') {
    const output = renderJson(text, next);
    if (isDeepStrictEqual(JSON.parse(output), expected)) return output;
    throw new InvalidFileError(`${fileName}: the migrated JSON did not read back as the migrated settings; file left untouched`);
  }
  const spliced = renderYaml(text, original, next, absorbed);
  if (readsBackAs(spliced, expected)) return spliced;
  const whole = renderWholeYaml(next, detectStyle(text));
  if (readsBackAs(whole, expected)) {
    warnings.push(`${fileName}: the file was re-rendered as a whole; comments are kept but some spacing may change`);
    return whole;
  }
  throw new InvalidFileError(`${fileName}: the migrated YAML did not read back as the migrated settings (anchors or aliases?); file left untouched`);
}

function readsBackAs(output: string, expected: unknown): boolean {
  const doc = parseDocument(output);
  return doc.errors.length === 0 && isDeepStrictEqual(doc.toJS({ maxAliasCount: -1 }), expected);
}
