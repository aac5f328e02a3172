import type { SchemaError } from './schemas.js';

/**
 * Fields a schema does not know, as kubeconform -strict reports them: the models' validators check the type of
 * every field they declare but let any other field through (Kubernetes' OpenAPI schemas do not forbid extra
 * properties; the API server drops them, or rejects them with fieldValidation=Strict — a typo such as
 * `replica:` or `livenessprobe:` is silently ignored).
 *
 * The validators are compiled code without their schemas, so each field is probed: its value is replaced by one
 * no declared type accepts (a symbol). A field the schema declares then fails at its own path; a field it does
 * not declare passes. The document must pass the schema first (one error at a time is reported).
 */

const PROBE = Symbol('probe');

type Path = (string | number)[];

/** RFC 6901: `~` and `/` inside a key are escaped. */
export function jsonPointer(path: Path): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withProbeAt(document: unknown, path: Path): unknown {
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = PROBE;
  return copy;
}

/** JSON pointers of the fields in `document` that `validate` does not declare. */
export function unknownFields(document: unknown, validate: (document: unknown) => SchemaError[]): string[] {
  const unknown: string[] = [];
  const visit = (node: unknown, path: Path): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i]));
      return;
    }
    if (!isPlainObject(node)) return;
    for (const key of Object.keys(node)) {
      const at = [...path, key];
      const pointer = jsonPointer(at);
      const declared = validate(withProbeAt(document, at)).some((e) => e.instancePath === pointer || e.instancePath.startsWith(`${pointer}/`));
      if (declared) visit(node[key], at);
      else unknown.push(pointer);
    }
  };
  visit(document, []);
  return unknown;
}
