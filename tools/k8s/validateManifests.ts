import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kustomizationProblems } from './kustomization.js';
import { schemaFor } from './schemas.js';
import { unknownFields } from './unknownFields.js';

/**
 * Checks every Kubernetes manifest under a directory (deploy/k8s by default) without a cluster: each YAML
 * document against the schema of its apiVersion and kind (Kubernetes, KEDA, Prometheus Operator), strictly
 * (unknown fields are errors, as with kubeconform -strict), and each kustomization.yaml (unknown fields, labels,
 * images, the files it names). Prints each document checked; exits 1 on any problem.
 *
 *   npm run lint:deploy            (node dist/tools/k8s/validateManifests.js [directory])
 */

export interface Finding {
  /** file#n: the n-th YAML document of the file, from 1. */
  where: string;
  /** Kind/name, or what the document is when it has none. */
  what: string;
  problems: string[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problems of one manifest document (not a kustomization). */
export function manifestProblems(document: unknown): string[] {
  if (!isObject(document)) return ['not a mapping'];
  const { apiVersion, kind } = document;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['no apiVersion and kind'];
  const validate = schemaFor(apiVersion, kind);
  if (!validate) return [`no schema for apiVersion ${apiVersion}, kind ${kind} (not Kubernetes, KEDA or Prometheus Operator)`];
  const problems: string[] = [];
  if (!isObject(document.metadata) || typeof document.metadata.name !== 'string') problems.push('metadata.name missing');
  const errors = validate(document);
  if (errors.length) return [...problems, ...errors.map((e) => `${e.instancePath || '(top)'}: ${e.message ?? 'invalid'}`)];
  return [...problems, ...unknownFields(document, validate).map((pointer) => `${pointer}: unknown field`)];
}

/** Every document of one YAML file. `dir` is where a kustomization's files are looked up. */
export function checkFile(file: string, text: string, dir = dirname(file)): Finding[] {
  const isKustomization = ['kustomization.yaml', 'kustomization.yml'].includes(basename(file));
  return parseAllDocuments(text).flatMap((doc, i): Finding[] => {
    const where = `${file}#${i + 1}`;
    if (doc.errors.length) return [{ where, what: 'YAML', problems: doc.errors.map((e) => e.message) }];
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    const what = isObject(value) ? `${String(value.kind)}/${String(isObject(value.metadata) ? value.metadata.name : '?')}` : 'document';
    if (isKustomization) return [{ where, what: 'Kustomization', problems: kustomizationProblems(value, dir) }];
    return [{ where, what, problems: manifestProblems(value) }];
  });
}

/** Every .yaml / .yml file under `root`, recursively, in a stable order. */
export function manifestFiles(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(root, entry.name);
      if (entry.isDirectory()) return manifestFiles(path);
      return /\.ya?ml$/.test(entry.name) ? [path] : [];
    });
}

export function checkTree(root: string): Finding[] {
  return manifestFiles(root).flatMap((file) => checkFile(file, readFileSync(file, 'utf8')));
}

function main(): void {
  const root = process.argv[2] ?? 'deploy/k8s';
  const findings = checkTree(root);
  let bad = 0;
  for (const f of findings) {
    process.stdout.write(`${f.problems.length ? 'FAIL' : 'ok  '} ${f.where} ${f.what}\n`);
    for (const problem of f.problems) process.stdout.write(`       ${problem}\n`);
    if (f.problems.length) bad += 1;
  }
  process.stdout.write(`${findings.length} documents checked under ${root}, ${bad} with problems\n`);
  if (findings.length === 0 || bad > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();
