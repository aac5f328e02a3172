import * as kedaModels from '@kubernetes-models/keda';
import * as prometheusOperatorModels from '@kubernetes-models/prometheus-operator';
import * as kubernetesModels from 'kubernetes-models';

/**
 * The schemas a manifest is checked against, by apiVersion and kind: the Kubernetes API (kubernetes-models),
 * KEDA's CRDs and the Prometheus Operator's CRDs. Each model class carries its apiVersion, kind and a compiled
 * JSON-schema validator (types, required fields, enums, formats — not unknown fields: see unknownFields).
 */

/** One error of a schema validator: where (a JSON pointer into the document) and what. */
export interface SchemaError { instancePath: string; message?: string }

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: unknown): { validate(): void };
}

function isModelClass(value: unknown): value is ModelClass {
  return typeof value === 'function' && typeof (value as Partial<ModelClass>).apiVersion === 'string' && typeof (value as Partial<ModelClass>).kind === 'string';
}

/** Every model class in the packages' namespaces (group → version → kind), keyed `apiVersion kind`. */
function collectModels(): Map<string, ModelClass> {
  const models = new Map<string, ModelClass>();
  const walk = (namespace: unknown, depth: number): void => {
    for (const value of Object.values(namespace as Record<string, unknown>)) {
      if (isModelClass(value)) models.set(`${value.apiVersion} ${value.kind}`, value);
      else if (value && typeof value === 'object' && depth < 3) walk(value, depth + 1);
    }
  };
  for (const pkg of [kubernetesModels, kedaModels, prometheusOperatorModels]) walk(pkg, 0);
  return models;
}

const MODELS = collectModels();

/** The schema check of one kind, or undefined when no package knows the apiVersion and kind. */
export function schemaFor(apiVersion: string, kind: string): ((document: unknown) => SchemaError[]) | undefined {
  const Model = MODELS.get(`${apiVersion} ${kind}`);
  if (!Model) return undefined;
  return (document) => {
    try {
      new Model(document).validate();
      return [];
    } catch (err) {
      const errors = (err as { errors?: SchemaError[] }).errors;
      if (!Array.isArray(errors)) throw err;
      return errors;
    }
  };
}
