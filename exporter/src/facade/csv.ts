/**
 * RFC 4180 CSV of flat rows, safe to open in a spreadsheet.
 *
 * Formula injection (OWASP "CSV Injection"): a text cell that starts with `=`, `+`, `-`, `@`, tab
 * (0x09) or carriage return (0x0D) is prefixed with a single quote, so a spreadsheet shows it as text
 * instead of evaluating it (`-2+3+cmd|' /C calc'!A0`, `\t=1+1`, `@SUM(1)`, `=HYPERLINK(...)`).
 * Every text cell is guarded, whatever it looks like: `-5` from a string field is text and reads `'-5`.
 * Numbers stay numbers: a cell from a finite JavaScript number (a count, a percentage, a negative
 * value) is written as the number, with no quote, since a number cannot carry a formula. Cells with a
 * comma, a double quote, CR or LF are then quoted, double quotes doubled.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell's text: numbers as numbers, everything else guarded, then quoted as needed. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The CSV document; the header is the union of the rows' keys in first-seen order. */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const line = (cells: unknown[]) => cells.map(csvCell).join(',');
  return [line(columns), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\r\n') + '\r\n';
}
