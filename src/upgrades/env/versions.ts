/** .env versions, oldest first, and detection by the variables a file sets. */

export const ENV_VERSIONS = ['v1', 'v2', 'v2_1'] as const;
export type EnvVersion = (typeof ENV_VERSIONS)[number];
export const LATEST_ENV_VERSION: EnvVersion = 'v2_1';

export function detectEnvVersion(keys: ReadonlySet<string>): EnvVersion {
  if (keys.has('ENCRYPTION_MASTER_KEY') || keys.has('MFA_ENABLED')) return 'v2_1';
  if (keys.has('ANALYSIS_SERVICE_URL') || keys.has('TRACKLIST_SERVICE_URL')) return 'v2';
  return 'v1';
}

export function parseEnvVersion(text: string): EnvVersion | undefined {
  return ENV_VERSIONS.find((v) => v === text.trim().toLowerCase());
}

export function envVersionIndex(version: EnvVersion): number {
  return ENV_VERSIONS.indexOf(version);
}
