import { Document, Scalar, YAMLMap, isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, visit, type Node, type Pair } from 'yaml';
import { InvalidFileError } from '../errors.js';

/**
 * Small operations on a yaml Document that the migration steps are written in. They only ever add, move
 * or remove whole settings; a value the operator set is never overwritten.
 */

/** A default section: plain values, or nodes taken from the file itself (they keep their comments). */
export type Defaults = { [key: string]: unknown };

export function rootMap(doc: Document): YAMLMap {
  if (!isMap(doc.contents)) throw new InvalidFileError('configuration root is not a mapping');
  return doc.contents;
}

export function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

export function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => keyOf(pair) === key);
}

/** The value node at `key`, or undefined when the key is absent or its value is null. */
export function settingAt(map: YAMLMap, key: string): Node | undefined {
  const value = findPair(map, key)?.value;
  if (value === null || value === undefined) return undefined;
  if (isScalar(value) && value.value === null) return undefined;
  return isNode(value) ? value : undefined;
}

export function mapAt(map: YAMLMap, key: string): YAMLMap | undefined {
  const value = settingAt(map, key);
  return isMap(value) ? value : undefined;
}

/** Remove `key` and return its pair (so its value can move elsewhere). */
export function removePair(map: YAMLMap, key: string): Pair | undefined {
  const index = map.items.findIndex((pair) => keyOf(pair) === key);
  if (index < 0) return undefined;
  return map.items.splice(index, 1)[0];
}

/**
 * A copy of a node that may be placed anywhere in `doc`: aliases resolved, anchors dropped (the anchor
 * stays where it was), and the trailing comment of a block collection dropped — the parser hangs the next
 * setting's heading comment there, and that comment stays with the next setting. A moved value keeps its
 * own comments (`8001  # default`); a copied one (`keepComments: false`) leaves them where they were.
 */
export function detach(doc: Document, node: Node, { keepComments = true } = {}): Node {
  const hasAlias = isAlias(node) || (isCollection(node) && containsAlias(node));
  const copy = (hasAlias ? doc.createNode(node.toJS(doc, { maxAliasCount: -1 })) : node.clone()) as Node;
  visit(copy, {
    Node(_key, n) {
      if ('anchor' in n) delete n.anchor;
      if (!keepComments) {
        delete n.comment;
        delete n.commentBefore;
      }
    },
  });
  if (!keepComments) {
    delete copy.comment;
    delete copy.commentBefore;
  }
  if (isCollection(copy) && !copy.flow) delete copy.comment;
  if (isScalar(copy) && copy.comment) copy.comment = copy.comment.split('\n')[0];
  return copy;
}

function containsAlias(node: Node): boolean {
  let found = false;
  visit(node, {
    Alias() {
      found = true;
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * Add every default the map lacks, recursing into sections both sides hold as mappings. A value already
 * set — of any type — is kept; when it is not a mapping where a section was expected, a warning says so.
 */
export function addMissing(doc: Document, map: YAMLMap, defaults: Defaults, path: string, warnings: string[]): void {
  for (const [key, wanted] of Object.entries(defaults)) {
    const current = settingAt(map, key);
    if (current === undefined) {
      map.set(doc.createNode(key), isNode(wanted) ? wanted : doc.createNode(wanted));
      continue;
    }
    if (isSection(wanted)) {
      if (isMap(current)) addMissing(doc, current, wanted, `${path}.${key}`, warnings);
      else warnings.push(`${path}.${key} is set to something other than a mapping; kept as it is, defaults not added`);
    }
  }
}

/** Make sure the top-level section exists, then fill in what it lacks. */
export function ensureSection(doc: Document, key: string, defaults: Defaults, warnings: string[]): void {
  const root = rootMap(doc);
  const current = settingAt(root, key);
  if (current === undefined) {
    root.set(doc.createNode(key), doc.createNode(defaults));
  } else if (isMap(current)) {
    addMissing(doc, current, defaults, key, warnings);
  } else {
    warnings.push(`${key} is set to something other than a mapping; kept as it is, defaults not added`);
  }
}

/** Plain objects are sections; a node taken from the file is one value, however big. */
function isSection(value: unknown): value is Defaults {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isNode(value);
}

/**
 * Set `version`, keeping the style it was written in: a number stays a number (`2.0`, not `2`), a string a
 * string. A file without one gets it as its first key, as a string.
 */
export function setVersion(doc: Document, version: string): void {
  const root = rootMap(doc);
  const pair = findPair(root, 'version');
  if (!pair) {
    root.items.unshift(doc.createPair('version', version));
    return;
  }
  const old = isScalar(pair.value) ? pair.value : undefined;
  const node = new Scalar<unknown>(typeof old?.value === 'number' ? Number(version) : version);
  if (typeof node.value === 'number') node.minFractionDigits = Math.max(1, version.split('.')[1]?.length ?? 0);
  if (old) {
    if (old.type === Scalar.QUOTE_DOUBLE || old.type === Scalar.QUOTE_SINGLE) node.type = old.type;
    if (old.comment) node.comment = old.comment;
    if (old.commentBefore) node.commentBefore = old.commentBefore;
  }
  pair.value = node;
}

/** Two nodes are the same when value, style, anchors and comments all match (source ranges aside). */
export function sameNode(a: unknown, b: unknown): boolean {
  return JSON.stringify(signature(a)) === JSON.stringify(signature(b));
}

/** The node's own properties, children aside: a mapping that only gained keys has the same shell. */
export function sameShell(a: Node, b: Node): boolean {
  return JSON.stringify(ownProperties(a)) === JSON.stringify(ownProperties(b));
}

function ownProperties(node: Node): unknown[] {
  const n = node as Node & { anchor?: string; flow?: boolean; spaceBefore?: boolean; tag?: string };
  return [n.anchor, n.tag, n.comment, n.commentBefore, n.spaceBefore, n.flow];
}

function signature(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isPair(node)) return ['pair', signature(node.key), signature(node.value)];
  if (typeof node !== 'object') return ['plain', typeof node, String(node)];
  const n = node as Node & { anchor?: string; flow?: boolean; spaceBefore?: boolean; tag?: string };
  const common = [n.anchor, n.tag, n.comment, n.commentBefore, n.spaceBefore];
  if (isScalar(node)) return ['scalar', typeof node.value, String(node.value), node.type, node.format, node.minFractionDigits, ...common];
  if (isAlias(node)) return ['alias', node.source, ...common];
  if (isMap(node) || isSeq(node)) return [isMap(node) ? 'map' : 'seq', n.flow, ...common, node.items.map(signature)];
  if ('items' in n && Array.isArray(n.items)) return ['items', n.flow, ...common, n.items.map(signature)];
  return ['other', String(node)];
}
