import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * A kustomization.yaml checked as kustomize reads it, for the fields this project uses and the common others:
 * no unknown field (a misspelt `resource:` would leave every manifest out), labels and images well formed,
 * and every resource, component and patch file it names present.
 */

// Kubernetes' label syntax: an optional DNS-subdomain prefix and a name of up to 63 characters.
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const labelKey = z.string().refine((key) => {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.pop() as string;
  return LABEL_NAME.test(name) && (parts.length === 0 || DNS_SUBDOMAIN.test(parts[0] as string));
}, 'must be a label key: [prefix/]name, the name up to 63 letters, digits, -, _ or . (alphanumeric at both ends)');
const labelValue = z.string().refine((v) => v === '' || LABEL_NAME.test(v), 'must be a label value: up to 63 letters, digits, -, _ or . (alphanumeric at both ends)');

const image = z.strictObject({
  name: z.string().min(1),
  newName: z.string().regex(/^[a-z0-9]+([._\-/:][a-z0-9]+)*$/, 'must be an image reference').optional(),
  newTag: z.string().regex(/^[\w][\w.-]{0,127}$/, 'must be a tag: letters, digits, _, . or -, up to 128, not starting with . or -').optional(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 hex digits>').optional(),
}).refine((i) => i.newName !== undefined || i.newTag !== undefined || i.digest !== undefined, 'an image entry changes nothing without newName, newTag or digest');

const target = z.strictObject({
  group: z.string().optional(), version: z.string().optional(), kind: z.string().optional(), name: z.string().optional(),
  namespace: z.string().optional(), labelSelector: z.string().optional(), annotationSelector: z.string().optional(),
});

const patch = z.strictObject({
  path: z.string().optional(),
  patch: z.string().optional(),
  target: target.optional(),
  options: z.record(z.string(), z.boolean()).optional(),
}).refine((p) => (p.path === undefined) !== (p.patch === undefined), 'a patch has exactly one of path and patch');

export const kustomizationSchema = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: z.string().regex(DNS_LABEL, 'must be a namespace name (DNS label)').optional(),
  namePrefix: z.string().optional(),
  nameSuffix: z.string().optional(),
  labels: z.array(z.strictObject({
    pairs: z.record(labelKey, labelValue),
    includeSelectors: z.boolean().optional(),
    includeTemplates: z.boolean().optional(),
  })).optional(),
  commonAnnotations: z.record(z.string(), z.string()).optional(),
  resources: z.array(z.string().min(1)).optional(),
  components: z.array(z.string().min(1)).optional(),
  images: z.array(image).optional(),
  patches: z.array(patch).optional(),
});

/** A resource is a manifest file or a directory holding a kustomization. */
function resourceExists(dir: string, entry: string): boolean {
  if (/^[a-z]+:\/\//.test(entry)) return false;
  const path = join(dir, entry);
  if (!existsSync(path)) return false;
  if (!statSync(path).isDirectory()) return true;
  return ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) => existsSync(join(path, f)));
}

/** What is wrong with a kustomization document found in `dir`; empty when nothing is. */
export function kustomizationProblems(document: unknown, dir: string): string[] {
  const parsed = kustomizationSchema.safeParse(document);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`);
  const k = parsed.data;
  const problems: string[] = [];
  for (const entry of [...(k.resources ?? []), ...(k.components ?? [])]) {
    if (!resourceExists(dir, entry)) problems.push(`resources: ${entry} is not a file or a kustomization directory here (remote resources are not used)`);
  }
  for (const p of k.patches ?? []) if (p.path !== undefined && !existsSync(join(dir, p.path))) problems.push(`patches: ${p.path} does not exist`);
  return problems;
}
