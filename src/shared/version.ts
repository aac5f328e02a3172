import { readFileSync } from 'node:fs';

/**
 * The tool's version, read once from package.json (shipped beside dist/ in the image): the one place it is
 * written. From dist/src/shared/version.js the package root is three levels up.
 */
export const TOOL_VERSION: string = readVersion();

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
