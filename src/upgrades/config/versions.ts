import { InvalidFileError } from '../errors.js';

/**
 * Configuration-file versions: the known list, comparison as versions (1.10 > 1.9, 2 = 2.0), and detection
 * of a file's version from an explicit `version` key or, without one, from its structure.
 */

/** Every configuration version this tool knows, oldest first. */
export const CONFIG_VERSIONS = ['1.0', '1.1', '2.0', '2.1'] as const;
export type ConfigVersion = (typeof CONFIG_VERSIONS)[number];
export const LATEST_CONFIG_VERSION: ConfigVersion = '2.1';

/** `1.10` → [1, 10]; undefined when the text is not a dotted run of whole numbers (an optional `v` allowed). */
export function parseVersion(text: string): number[] | undefined {
  const match = /^v?(\d+(?:\.\d+)*)$/i.exec(text.trim());
  return match?.[1] ? match[1].split('.').map(Number) : undefined;
}

/** Negative, zero or positive, comparing part by part as numbers; missing parts count as 0 (2 = 2.0). */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) throw new InvalidFileError(`not a version: ${left ? b : a}`);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The known version equal to `text` as a version (`2` and `2.0.0` are 2.0), else undefined. */
export function knownConfigVersion(text: string): ConfigVersion | undefined {
  if (!parseVersion(text)) return undefined;
  return CONFIG_VERSIONS.find((known) => compareVersions(known, text) === 0);
}

/** The steps from one version to a later one, as [from, to] pairs in order. */
export function stepsBetween(from: ConfigVersion, to: ConfigVersion): [ConfigVersion, ConfigVersion][] {
  const start = CONFIG_VERSIONS.indexOf(from);
  const end = CONFIG_VERSIONS.indexOf(to);
  const steps: [ConfigVersion, ConfigVersion][] = [];
  for (let i = start; i < end; i += 1) steps.push([CONFIG_VERSIONS[i]!, CONFIG_VERSIONS[i + 1]!]);
  return steps;
}

/** What detection found: a known version, or the explicit version text nobody knows. */
export type Detection = { version: ConfigVersion; explicit: boolean } | { unknown: string };

type Plain = Record<string, unknown>;

const isPlainMap = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `versionText` is the `version` key exactly as written (so `1.10` is not read as the number 1.1);
 * undefined or empty when the file has none. `config` is the file's data.
 */
export function detectConfigVersion(config: Plain, versionText: string | undefined): Detection {
  if (versionText !== undefined && versionText.trim() !== '') {
    const known = knownConfigVersion(versionText);
    return known ? { version: known, explicit: true } : { unknown: versionText };
  }
  return { version: detectByStructure(config), explicit: false };
}

function detectByStructure(config: Plain): ConfigVersion {
  const auth = config.auth;
  if (isPlainMap(config.security) || isPlainMap(config.monitoring) || (isPlainMap(auth) && Object.hasOwn(auth, 'jwt_settings'))) {
    return '2.1';
  }
  if (isPlainMap(config.services)) return '2.0';
  if (isPlainMap(config.authentication)) return '1.1';
  return '1.0';
}
