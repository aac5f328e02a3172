/**
 * Writing a value so that `dotenv.parse` reads back exactly the same string. dotenv's rules (v17):
 * unquoted values are trimmed and end at `#`; single- and back-quoted values are taken literally and may
 * span lines; double-quoted values turn `\n` and `\r` into line breaks and nothing else; `\r\n` in the file
 * becomes `\n` before anything is read. A quoted value must not end in a backslash: dotenv's pattern reads
 * `\'` as an escaped quote and would run on to the next quote anywhere later in the file. So: plain when
 * nothing can go wrong, else the first quoting that can hold the value. A few strings cannot be written at
 * all (a trailing backslash, or every quote kind inside, together with a `#`, a line break or edge
 * whitespace); for those the answer is undefined and the caller decides.
 */
export function encodeValue(value: string): string | undefined {
  if (value === '') return '';
  if (/^[^\s#'"`]+$/.test(value)) return value;
  const quotable = !value.endsWith('\\');
  if (quotable && !/[\r']/.test(value)) return `'${value}'`;
  if (quotable && !value.includes('"') && !/\\[nr]/.test(value)) return `"${value.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  if (quotable && !/[`\r]/.test(value)) return `\`${value}\``;
  // Quotes inside, but not at the start: dotenv reads it unquoted as long as it is one trimmed line without `#`.
  if (!/[#\r\n]/.test(value) && value === value.trim() && !/^['"`]/.test(value)) return value;
  return undefined;
}
