/** One RFC 4180 CSV line: fields with a comma, quote or line break are quoted, quotes doubled. */
export function toCsvLine(fields: (string | number | null)[]): string {
  return fields.map((f) => {
    const s = f === null ? '' : String(f);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',');
}
