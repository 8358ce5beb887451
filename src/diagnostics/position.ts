/**
 * Offsets to lines and columns. Lines and columns are 1-based; a column counts UTF-16 code units
 * from the start of the line (what editors using LSP positions show), and `\r\n`, `\n` and `\r`
 * each end a line.
 */

export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

/** Start offsets of every line of `text`, for repeated lookups in one file. */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  lineColumn(offset: number): LineColumn {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - (this.starts[lo] ?? 0) + 1 };
  }

  /** The text of 1-based line `line`, without its line terminator. */
  lineText(line: number): string {
    const [start, end] = this.lineBounds(line);
    return this.text.slice(start, end);
  }

  /** [start, end) offsets of 1-based line `line`, without its line terminator. */
  lineBounds(line: number): [number, number] {
    const start = this.starts[line - 1] ?? this.text.length;
    let end = this.starts[line] ?? this.text.length;
    while (end > start && (this.text[end - 1] === "\n" || this.text[end - 1] === "\r")) end--;
    return [start, end];
  }
}

export function lineColumn(text: string, offset: number): LineColumn {
  return new LineIndex(text).lineColumn(offset);
}
