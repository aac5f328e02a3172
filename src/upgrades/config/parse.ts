import { extname } from 'node:path';
import { Document, isMap, isScalar, parseDocument } from 'yaml';
import { InvalidFileError } from '../errors.js';
import { findJsonProblem, lineAndColumn } from './jsonError.js';

/** Reading a configuration file's text into a yaml Document — the one model every step works on. */

export type ConfigFormat = 'yaml' | 'json';

export interface ParsedConfig {
  format: ConfigFormat;
  /** Parsed with source ranges; JSON is parsed by the same library so key order and number text survive. */
  doc: Document;
  /** The plain data, for detection and checks. */
  data: Record<string, unknown>;
  /** The `version` value exactly as written (`1.10` stays `1.10`), or undefined. */
  versionText: string | undefined;
}

/** `.json` is JSON, `.yaml`/`.yml` YAML; anything else is JSON when it starts with `{`. */
export function formatOf(fileName: string, text: string): ConfigFormat {
  const ext = extname(fileName).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

export function parseConfig(fileName: string, text: string): ParsedConfig {
  const format = formatOf(fileName, text);
  const doc = format === 'json' ? parseJsonDocument(fileName, text) : parseYamlDocument(fileName, text);
  if (!isMap(doc.contents)) {
    throw new InvalidFileError(`${fileName}: the top level is not a mapping of settings — nothing to migrate`);
  }
  const data = doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown>;
  return { format, doc, data, versionText: versionTextOf(doc, data) };
}

function parseYamlDocument(fileName: string, text: string): Document {
  const doc = parseDocument(text, { uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'an unknown line';
    throw new InvalidFileError(`${fileName}: invalid YAML at ${where}: ${firstLine(error.message)}`, { cause: error });
  }
  return doc;
}

function parseJsonDocument(fileName: string, text: string): Document {
  try {
    JSON.parse(text);
  } catch {
    // Not V8's message: it quotes the text around the error, which may be a secret.
    const problem = findJsonProblem(text);
    const { line, column } = lineAndColumn(text, problem.offset);
    throw new InvalidFileError(`${fileName}: invalid JSON at line ${line}, column ${column}: ${problem.reason}`);
  }
  // Valid JSON is valid YAML 1.2; parsing it with yaml keeps key order and numbers as written.
  const doc = parseDocument(text, { uniqueKeys: false });
  return doc.errors.length === 0 ? doc : new Document(JSON.parse(text) as unknown);
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

function versionTextOf(doc: Document, data: Record<string, unknown>): string | undefined {
  const node = doc.get('version', true);
  if (node === undefined || node === null) return undefined;
  if (!isScalar(node)) return JSON.stringify(data.version);
  if (node.value === null) return undefined;
  if (typeof node.value === 'string') return node.value;
  return node.source ?? String(node.value);
}
