import { isAlias, isMap, isScalar, isSeq, type Document, type Scalar } from 'yaml';
import { keyOf } from './nodes.js';

/**
 * Write a migrated Document as JSON in the file's own indentation (two spaces, four, a tab, or none) and
 * line ending. Numbers keep the text they were written with (`1.0`, a 20-digit id), which `JSON.parse` →
 * `JSON.stringify` would lose; key order is the Document's.
 */
export function renderJson(src: string, doc: Document): string {
  const indent = detectIndent(src);
  const newline = src.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = /\n\s*$/.test(src) ? newline : '';
  return write(doc.contents, indent, '', doc).replace(/\n/g, newline) + finalNewline;
}

function detectIndent(src: string): string {
  if (!src.trim().includes('\n')) return '';
  const first = /\n([ \t]+)\S/.exec(src);
  return first?.[1] ?? '  ';
}

function write(node: unknown, indent: string, current: string, doc: Document): string {
  if (isAlias(node)) return write(node.resolve(doc), indent, current, doc);
  if (isMap(node)) {
    const entries = node.items.map((pair) => [JSON.stringify(String(keyOf(pair))), pair.value] as const);
    return block('{', '}', entries.map(([k, v]) => `${k}:${indent ? ' ' : ''}${write(v, indent, current + indent, doc)}`), indent, current);
  }
  if (isSeq(node)) {
    return block('[', ']', node.items.map((item) => write(item, indent, current + indent, doc)), indent, current);
  }
  if (isScalar(node)) return scalarText(node);
  return JSON.stringify(node ?? null);
}

function block(open: string, close: string, parts: string[], indent: string, current: string): string {
  if (parts.length === 0) return `${open}${close}`;
  if (!indent) return `${open}${parts.join(',')}${close}`;
  const inner = current + indent;
  return `${open}\n${parts.map((p) => inner + p).join(',\n')}\n${current}${close}`;
}

function scalarText(node: Scalar): string {
  const value = node.value;
  if (typeof value !== 'number') return JSON.stringify(value ?? null);
  if (node.source !== undefined && /^-?\d/.test(node.source) && Number(node.source) === value) return node.source;
  if (Number.isInteger(value) && node.minFractionDigits) return value.toFixed(node.minFractionDigits);
  return JSON.stringify(value);
}
