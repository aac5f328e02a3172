import { parse as parseDotenv } from 'dotenv';

/**
 * Reading a .env file the way dotenv does — its values come from `dotenv.parse` itself — plus what dotenv
 * throws away and a migration must keep: the comments above and beside each variable, the `export`
 * prefix, and where each value sits in the text (to mask it in a diff).
 */

/** dotenv 17's own line pattern (lib/main.js), with `d` for match indices. */
const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;

/** Header lines this tool writes; they are written afresh, not carried over as comments. */
const GENERATED = [
  /^# Tracktion Environment Configuration - Version \S+$/,
  /^# Migrated on \S+$/,
  /^# (Database|Redis|RabbitMQ|Authentication|Services|Security|Monitoring|Other) Configuration$/,
];

export interface EnvVariable {
  key: string;
  value: string;
  exported: boolean;
  /** Comment lines above the variable, each starting with `#`. */
  comments: string[];
  /** `# …` written after the value on the same line. */
  inlineComment?: string;
  /** The value exactly as written (quotes included) — the last resort when a value cannot be re-quoted. */
  raw?: string;
}

export interface ParsedEnv {
  /** The text with line breaks normalised to `\n`, as dotenv reads it. */
  text: string;
  /** One per key, in first-seen order; a repeated key keeps dotenv's value (the last). */
  variables: EnvVariable[];
  /** Comment lines after the last variable. */
  trailingComments: string[];
  /** Where each written value sits in `text`, for masking. */
  valueSpans: { key: string; start: number; end: number }[];
  warnings: string[];
}

export function parseEnv(fileName: string, source: string): ParsedEnv {
  const text = source.replace(/\r\n?/g, '\n');
  const values = parseDotenv(text);
  const byKey = new Map<string, EnvVariable>();
  const valueSpans: ParsedEnv['valueSpans'] = [];
  const warnings: string[] = [];
  let pending: string[] = [];
  let previousEnd = 0;
  for (const match of text.matchAll(LINE)) {
    const key = match[1]!;
    pending.push(...gapComments(fileName, text, previousEnd, match.index, warnings));
    const [valueStart, valueEnd] = match.indices?.[2] ?? valueGap(text, match);
    valueSpans.push({ key, start: valueStart, end: valueEnd });
    const after = text.slice(valueEnd, match.index + match[0].length);
    const hash = after.indexOf('#');
    const comment = hash >= 0 ? after.slice(hash).trimEnd() : undefined;
    const commentOnNextLine = comment !== undefined && after.slice(0, hash).includes('\n');
    const variable = byKey.get(key) ?? { key, value: '', exported: false, comments: [] };
    if (byKey.has(key)) warnings.push(`${fileName}: ${key} is set more than once; the last value is kept, as dotenv does`);
    variable.value = Object.hasOwn(values, key) ? values[key]! : decodeLikeDotenv(text.slice(valueStart, valueEnd));
    variable.exported ||= /^\s*export\s/.test(match[0]);
    variable.comments.push(...pending);
    variable.raw = text.slice(valueStart, valueEnd).trim();
    if (comment !== undefined && !commentOnNextLine) variable.inlineComment = comment;
    pending = commentOnNextLine && comment ? [comment] : [];
    byKey.set(key, variable);
    previousEnd = match.index + match[0].length;
  }
  const trailingComments = [...pending, ...gapComments(fileName, text, previousEnd, text.length, warnings)];
  return { text, variables: [...byKey.values()], trailingComments, valueSpans, warnings };
}

/** Comment lines between two variables; a line dotenv cannot read is kept as a comment, with a warning. */
function gapComments(fileName: string, text: string, start: number, end: number, warnings: string[]): string[] {
  const comments: string[] = [];
  const firstLine = text.slice(0, start).split('\n').length;
  for (const [i, line] of text.slice(start, end).split('\n').entries()) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      if (!GENERATED.some((pattern) => pattern.test(trimmed))) comments.push(trimmed);
      continue;
    }
    warnings.push(`${fileName}: line ${firstLine + i} is not a variable assignment (dotenv ignores it); kept as a comment`);
    comments.push(`# ${trimmed}`);
  }
  return comments;
}

/** A variable written with no value (`KEY=`): its "value" is the empty stretch after the separator. */
function valueGap(text: string, match: RegExpExecArray | RegExpMatchArray): [number, number] {
  const keyEnd = match.indices?.[1]?.[1] ?? match.index ?? 0;
  const separator = /\s*[=:]/.exec(text.slice(keyEnd));
  const at = keyEnd + (separator ? separator.index + separator[0].length : 0);
  return [at, at];
}

/** dotenv's value rules, for the one key its result object cannot hold (`__proto__`). */
function decodeLikeDotenv(raw: string): string {
  const value = raw.trim();
  const unquoted = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
  return value.startsWith('"') ? unquoted.replace(/\\n/g, '\n').replace(/\\r/g, '\r') : unquoted;
}
