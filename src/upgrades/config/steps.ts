import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isNode, type Node, type YAMLMap } from 'yaml';
import {
  authenticationDefaults,
  authenticationSecurityDefaults,
  databaseDefaults,
  loggingDefaults,
  monitoringDefaults,
  securityDefaults,
  servicesDefaults,
} from './defaults.js';
import { addMissing, detach, ensureSection, findPair, keyOf, mapAt, removePair, rootMap, setVersion, settingAt } from './nodes.js';
import type { ConfigVersion } from './versions.js';
import type { Absorbed } from './yamlRender.js';

/**
 * The three configuration upgrade steps. Each takes a Document and returns a new one (the input is cloned,
 * never changed) with the warnings an operator should read. A value the operator set is never overwritten.
 */

export interface StepResult {
  doc: Document;
  warnings: string[];
  /** Removed top-level keys by the section that took them in (their comments follow them there). */
  absorbed: Absorbed;
}

export type Step = (input: Document) => StepResult;

/** 1.0 → 1.1: add `authentication`; a top-level `database_url` becomes `database.url`. */
export function addAuthentication(input: Document): StepResult {
  const doc = input.clone();
  const warnings: string[] = [];
  const moved = moveDatabaseUrl(doc, warnings);
  ensureSection(doc, 'authentication', authenticationDefaults(), warnings);
  setVersion(doc, '1.1');
  return { doc, warnings, absorbed: moved ? { database: ['database_url'] } : {} };
}

/** True when `database_url` moved into `database`. */
function moveDatabaseUrl(doc: Document, warnings: string[]): boolean {
  const root = rootMap(doc);
  const pair = findPair(root, 'database_url');
  if (!pair) return false;
  const url = isNode(pair.value) ? detach(doc, pair.value) : doc.createNode(null);
  const database = settingAt(root, 'database');
  if (database === undefined) {
    removePair(root, 'database'); // a `database:` with no value
    // In place of database_url, so the setting stays where the operator put it.
    root.items[root.items.indexOf(pair)] = doc.createPair('database', databaseDefaults(url));
    return true;
  }
  if (!isMap(database)) {
    warnings.push('database_url kept at the top level: database is set to something other than a mapping');
    return false;
  }
  const existing = settingAt(database, 'url');
  if (existing !== undefined && !isDeepStrictEqual(existing.toJSON(), url.toJSON())) {
    warnings.push('database_url kept at the top level: database.url is already set to a different value');
    return false;
  }
  removePair(root, 'database_url');
  addMissing(doc, database, databaseDefaults(url), 'database', warnings);
  return true;
}

/** Top-level keys of a 1.1 file that 2.0 moves into `services` and `logging`. */
const MOVED_TO_SECTIONS = {
  analysis_port: 'services.analysis_service.port',
  analysis_workers: 'services.analysis_service.workers',
  tracklist_port: 'services.tracklist_service.port',
  tracklist_workers: 'services.tracklist_service.workers',
  watch_directories: 'services.file_watcher.watch_paths',
  log_level: 'logging.level',
} as const;

/** 1.1 → 2.0: services, logging; database and authentication carried over; `*_port`/`*_workers` consumed. */
export function restructureServices(input: Document): StepResult {
  const doc = input.clone();
  const warnings: string[] = [];
  const root = rootMap(doc);
  const taken = (key: keyof typeof MOVED_TO_SECTIONS): Node | undefined => {
    const node = settingAt(root, key);
    return node === undefined ? undefined : detach(doc, node);
  };
  const moved = Object.fromEntries(Object.keys(MOVED_TO_SECTIONS).map((key) => [key, taken(key as keyof typeof MOVED_TO_SECTIONS)]));
  const dropped = dropConsumedKeys(root, warnings);
  ensureSection(doc, 'services', servicesDefaults({
    analysisPort: moved.analysis_port,
    analysisWorkers: moved.analysis_workers,
    tracklistPort: moved.tracklist_port,
    tracklistWorkers: moved.tracklist_workers,
    watchDirectories: moved.watch_directories,
  }), warnings);
  ensureSection(doc, 'database', {}, warnings);
  ensureSection(doc, 'authentication', {}, warnings);
  ensureSection(doc, 'logging', loggingDefaults(moved.log_level), warnings);
  for (const [key, node] of Object.entries(moved)) {
    const path = MOVED_TO_SECTIONS[key as keyof typeof MOVED_TO_SECTIONS];
    const placed = doc.getIn(path.split('.'), true);
    if (node && !isDeepStrictEqual(isNode(placed) ? placed.toJSON() : placed, node.toJSON())) {
      warnings.push(`${key} not carried over: ${path} was already set to a different value (the old value is in the backup)`);
    }
  }
  setVersion(doc, '2.0');
  const toServices = dropped.filter((key) => key !== 'log_level');
  return { doc, warnings, absorbed: { services: toServices, logging: dropped.includes('log_level') ? ['log_level'] : [] } };
}

/** The contract: every other top-level key is kept unless it ends in `_port` or `_workers`. Returns the dropped keys. */
function dropConsumedKeys(root: YAMLMap, warnings: string[]): string[] {
  const dropped: string[] = [];
  for (const pair of [...root.items]) {
    const key = keyOf(pair);
    if (typeof key !== 'string') continue;
    const moved = Object.hasOwn(MOVED_TO_SECTIONS, key);
    if (!moved && !/(_port|_workers)$/.test(key)) continue;
    removePair(root, key);
    dropped.push(key);
    if (!moved) {
      warnings.push(`${key} dropped: 2.0 does not keep top-level keys ending in _port or _workers (the old value is in the backup)`);
    }
  }
  return dropped;
}

/** 2.0 → 2.1: MFA, password policy and rate limiting under `authentication`; `security`; `monitoring`. */
export function addSecurity(input: Document): StepResult {
  const doc = input.clone();
  const warnings: string[] = [];
  const root = rootMap(doc);
  const auth = mapAt(root, 'authentication');
  if (auth) {
    const copied = (key: string) => {
      const node = settingAt(auth, key);
      return node === undefined ? undefined : detach(doc, node, { keepComments: false });
    };
    const defaults = authenticationSecurityDefaults(copied('password_min_length'), copied('max_login_attempts'));
    addMissing(doc, auth, defaults, 'authentication', warnings);
  } else if (settingAt(root, 'authentication') !== undefined) {
    warnings.push('authentication is set to something other than a mapping; MFA, password policy and rate limiting not added');
  }
  ensureSection(doc, 'security', securityDefaults(), warnings);
  ensureSection(doc, 'monitoring', monitoringDefaults(), warnings);
  setVersion(doc, '2.1');
  return { doc, warnings, absorbed: {} };
}

/** The step that leaves each version. */
export const STEPS: Record<Exclude<ConfigVersion, '2.1'>, Step> = {
  '1.0': addAuthentication,
  '1.1': restructureServices,
  '2.0': addSecurity,
};
