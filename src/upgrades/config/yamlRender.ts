import { Document, YAMLMap, isMap, isScalar, type Node, type Pair } from 'yaml';
import { keyOf, sameNode, sameShell } from './nodes.js';
import { detectStyle, renderWholeYaml, toStringOptions, type YamlStyle } from './yamlStyle.js';

/**
 * Write a migrated Document back as YAML, reusing the original text of every setting the migration did not
 * touch — byte for byte, with its comments, indentation and quoting. Only new or changed settings are
 * rendered by the yaml library, in the file's own indentation. (`doc.toString()` alone would re-render
 * the whole file: comment spacing, flow-collection padding and indentation would all change.)
 * The caller checks the result parses to the migrated data and falls back to `doc.toString()` if not.
 */

class CannotSplice extends Error {}

/**
 * Top-level keys a step removed, by the new section that took their place (`database` ← `database_url`):
 * the comment lines above a removed key move with it to that section. Comments above other removed keys
 * stay where the key was.
 */
export type Absorbed = Record<string, string[]>;

/** Render `next` (a migrated copy of `original`, which was parsed from `src`). */
export function renderYaml(src: string, original: Document, next: Document, absorbed: Absorbed = {}): string {
  const style = detectStyle(src);
  if (!isMap(original.contents) || original.contents.flow || !isMap(next.contents) || original.contents.items.length === 0) {
    return renderWholeYaml(next, style);
  }
  try {
    return new Splicer(src, style, absorbed).map(original.contents, next.contents, { start: 0, end: src.length }, 0);
  } catch (err) {
    if (err instanceof CannotSplice) return renderWholeYaml(next, style);
    throw err;
  }
}

interface Chunk {
  index: number;
  pair: Pair;
  leadingStart: number;
  keyLineStart: number;
  end: number;
}

class Splicer {
  constructor(private readonly src: string, private readonly style: YamlStyle, private readonly absorbed: Absorbed) {}

  /** A block mapping whose pairs sit at `column` inside `region` of the source. */
  map(orig: YAMLMap, next: YAMLMap, region: { start: number; end: number }, column: number): string {
    const chunks = this.chunks(orig, region, column);
    const first = chunks[0]!;
    let out = this.src.slice(region.start, first.leadingStart);
    if (column === 0) {
      // The file's header comment (above its last blank line) stays on top when a new first key comes in.
      const headerEnd = afterLastBlankLine(this.src, first.leadingStart, first.keyLineStart);
      out += this.src.slice(first.leadingStart, headerEnd);
      first.leadingStart = headerEnd;
    }
    const byKey = new Map(chunks.map((c) => [keyOf(c.pair), c]));
    const kept = new Set(next.items.map(keyOf).filter((k) => byKey.has(k)));
    const flushed = new Set<number>();
    const removedText = (selected: Chunk[]): string =>
      selected
        .filter((c) => !kept.has(keyOf(c.pair)) && !flushed.has(c.index) && flushed.add(c.index))
        .map((c) => this.leading(c) + this.trailingComments(c, column))
        .join('');
    const absorbedBy = (key: unknown): Chunk[] =>
      column === 0 && typeof key === 'string' && Object.hasOwn(this.absorbed, key) ? (this.absorbed[key] ?? []).flatMap((k) => byKey.get(k) ?? []) : [];
    const travelling = new Set(next.items.flatMap((pair) => absorbedBy(keyOf(pair))));
    const stayed = (upTo: number) => chunks.slice(0, upTo).filter((c) => !travelling.has(c));
    for (const pair of next.items) {
      const chunk = byKey.get(keyOf(pair));
      const moved = removedText(absorbedBy(keyOf(pair)));
      if (chunk) {
        out = withNewline(out + removedText(stayed(chunk.index)) + moved) + this.leading(chunk) + this.kept(chunk, pair, column);
        continue;
      }
      out = withNewline(out);
      const appended = !next.items.slice(next.items.indexOf(pair) + 1).some((p) => byKey.has(keyOf(p)));
      const blank = column === 0 && appended && this.style.blankLineBetweenSections && !/\n[ \t]*\r?\n$/.test(out) && !/^[ \t]*\r?\n/.test(moved);
      out += (blank ? this.style.newline : '') + moved + this.fresh(pair, column);
    }
    return withNewline(out) + removedText(chunks);
  }

  private chunks(map: YAMLMap, region: { start: number; end: number }, column: number): Chunk[] {
    const chunks = map.items.map((pair, index): Chunk => {
      const keyStart = isNodeWithRange(pair.key) ? pair.key.range[0] : -1;
      const keyLineStart = lineStart(this.src, keyStart);
      if (keyStart < region.start || this.src.slice(keyLineStart, keyStart) !== ' '.repeat(column)) throw new CannotSplice();
      return { index, pair, leadingStart: keyLineStart, keyLineStart, end: region.end };
    });
    chunks.forEach((chunk, i) => {
      const floor = i === 0 ? region.start : nextLineStart(this.src, chunks[i - 1]!.keyLineStart);
      chunk.leadingStart = this.walkBackOverComments(chunk.keyLineStart, floor, column);
      if (i > 0) chunks[i - 1]!.end = chunk.leadingStart;
    });
    return chunks;
  }

  /** Start of the comment and blank lines (at most `column` deep) directly above `from`. */
  private walkBackOverComments(from: number, floor: number, column: number): number {
    let start = from;
    while (start > floor) {
      const previous = lineStart(this.src, start - 1);
      const line = this.src.slice(previous, start).replace(/\r?\n$/, '');
      const trimmed = line.trimStart();
      const isComment = trimmed.startsWith('#') && line.length - trimmed.length <= column;
      if (trimmed !== '' && !isComment) break;
      start = previous;
    }
    return Math.max(start, floor);
  }

  private leading(chunk: Chunk): string {
    return this.src.slice(chunk.leadingStart, chunk.keyLineStart);
  }

  /** Comment lines at the end of a chunk (a removed last setting must not take the file's end comments). */
  private trailingComments(chunk: Chunk, column: number): string {
    const from = this.walkBackOverComments(chunk.end, nextLineStart(this.src, chunk.keyLineStart), column);
    return this.src.slice(from, chunk.end);
  }

  private kept(chunk: Chunk, pair: Pair, column: number): string {
    const orig = chunk.pair;
    const body = this.src.slice(chunk.keyLineStart, chunk.end);
    if (sameNode(orig, pair)) return body;
    if (!sameNode(orig.key, pair.key)) return this.fresh(pair, column) + this.trailingComments(chunk, column);
    const scalar = this.splicedScalar(chunk, pair);
    if (scalar !== undefined) return scalar;
    if (isMap(orig.value) && !orig.value.flow && isMap(pair.value) && orig.value.items.length > 0 && sameShell(orig.value, pair.value)) {
      const inner = orig.value.items[0]!;
      if (!isNodeWithRange(orig.key) || !isNodeWithRange(inner.key)) throw new CannotSplice();
      const innerStart = nextLineStart(this.src, orig.key.range[1]);
      const innerColumn = inner.key.range[0] - lineStart(this.src, inner.key.range[0]);
      if (innerColumn <= column) throw new CannotSplice();
      return this.src.slice(chunk.keyLineStart, innerStart) + this.map(orig.value, pair.value, { start: innerStart, end: chunk.end }, innerColumn);
    }
    return this.fresh(pair, column) + this.trailingComments(chunk, column);
  }

  /** A changed one-line scalar (the version): only its text changes, the line's comment and spacing stay. */
  private splicedScalar(chunk: Chunk, pair: Pair): string | undefined {
    const before = chunk.pair.value;
    const after = pair.value;
    if (!isScalar(before) || !isScalar(after) || !before.range) return undefined;
    if (before.type === 'BLOCK_FOLDED' || before.type === 'BLOCK_LITERAL') return undefined;
    const bare = after.clone();
    delete bare.comment;
    delete bare.commentBefore;
    const text = new Document(bare).toString({ lineWidth: 0 }).replace(/\n$/, '');
    if (text.includes('\n')) return undefined;
    return this.src.slice(chunk.keyLineStart, before.range[0]) + text + this.src.slice(before.range[1], chunk.end);
  }

  /** A new or rewritten setting, rendered by the library and indented to its place. */
  private fresh(pair: Pair, column: number): string {
    const doc = new Document();
    const map = new YAMLMap();
    map.items.push(pair);
    doc.contents = map;
    const pad = ' '.repeat(column);
    return doc
      .toString(toStringOptions(this.style))
      .split('\n')
      .map((line) => (line === '' ? line : pad + line))
      .join(this.style.newline);
  }
}

function isNodeWithRange(node: unknown): node is Node & { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && 'range' in node && Array.isArray((node as { range?: unknown }).range);
}

function lineStart(src: string, position: number): number {
  return src.lastIndexOf('\n', position - 1) + 1;
}

function nextLineStart(src: string, position: number): number {
  const newline = src.indexOf('\n', position);
  return newline < 0 ? src.length : newline + 1;
}

/** Position just after the last blank line in [from, to), or `from` when there is none. */
function afterLastBlankLine(src: string, from: number, to: number): number {
  let end = from;
  for (let at = from; at < to; at = nextLineStart(src, at)) {
    if (src.slice(at, nextLineStart(src, at)).trim() === '') end = nextLineStart(src, at);
  }
  return Math.min(end, to);
}

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}
