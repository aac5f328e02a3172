/**
 * A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab / carriage return before one)
 * gets a leading `'`: opening an export must not run what a file name says (CSV injection).
 */
function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * One RFC 4180 CSV line: fields with a comma, quote or line break are quoted, quotes doubled; text cells are
 * neutralised against formulas (numbers are written as numbers).
 */
export function toCsvLine(fields: (string | number | null)[]): string {
  return fields.map((f) => {
    const s = f === null ? '' : typeof f === 'number' ? String(f) : neutraliseFormula(f);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',');
}
