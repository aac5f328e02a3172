import type { Document, ToStringOptions } from 'yaml';

/**
 * The layout habits of a YAML file — indentation, sequence indentation, flow padding, line ending, blank
 * lines between sections — so that what the library renders for new settings looks like the rest.
 */

export interface YamlStyle {
  indent: number;
  indentSeq: boolean;
  flowCollectionPadding: boolean;
  newline: '\n' | '\r\n';
  blankLineBetweenSections: boolean;
}

export function detectStyle(src: string): YamlStyle {
  const lines = src.split(/\r?\n/);
  const keyIndents = lines.map((l) => /^( +)[^\s#-]/.exec(l)?.[1]?.length).filter((n): n is number => n !== undefined);
  const indent = keyIndents.length ? Math.min(8, ...keyIndents) : 2;
  return {
    indent,
    indentSeq: !lines.some((line, i) => /^(\s*)- /.test(line) && sameIndentAsParent(lines, i)),
    flowCollectionPadding: /[[{] \S/.test(src),
    newline: src.includes('\r\n') ? '\r\n' : '\n',
    blankLineBetweenSections: /\n\s*\n\S/.test(src),
  };
}

function sameIndentAsParent(lines: string[], index: number): boolean {
  const indentOf = (l: string) => l.length - l.trimStart().length;
  for (let i = index - 1; i >= 0; i -= 1) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    return line.trimEnd().endsWith(':') && indentOf(line) === indentOf(lines[index] ?? '');
  }
  return false;
}

export function toStringOptions(style: YamlStyle): ToStringOptions {
  return { indent: style.indent, indentSeq: style.indentSeq, flowCollectionPadding: style.flowCollectionPadding, lineWidth: 0 };
}

/** The whole Document rendered by the library (the fallback). */
export function renderWholeYaml(doc: Document, style: YamlStyle): string {
  return doc.toString(toStringOptions(style)).replace(/\r?\n/g, style.newline);
}
