/**
 * CSV records as RFC 4180 writes them: fields separated by commas, quoted when they hold a
 * comma, a quote (doubled) or a line break. Spreadsheets (LibreOffice, Excel, Google Sheets) save
 * question lists this way.
 *
 * **NOTE:** written here rather than taken from csv-parse: eval reads one small file an editor
 * saved, the whole of the format is the forty lines below, and the project installs offline from
 * its lockfile, where a new dependency is one more thing to vet and to keep.
 */
export interface CsvRecord {
  /** 1-based line of the file where the record starts (a quoted field may span lines). */
  line: number;
  cells: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** The records of a CSV text (a leading BOM is not part of the first cell). CRLF, LF and CR end records. */
export function parseCsv(text: string): CsvRecord[] {
  const s = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = "";
      if (s[i] === '"') {
        const opened = line;
        i++;
        for (;;) {
          if (i >= s.length) throw new CsvError(opened, "a quoted field is not closed");
          const c = s[i]!;
          if (c === '"' && s[i + 1] === '"') ((cell += '"'), (i += 2));
          else if (c === '"') {
            i++;
            break;
          } else {
            if (c === "\n" || (c === "\r" && s[i + 1] !== "\n")) line++;
            cell += c;
            i++;
          }
        }
        if (i < s.length && s[i] !== "," && s[i] !== "\r" && s[i] !== "\n")
          throw new CsvError(line, 'text after a closing quote (a quote inside a quoted field is written twice: "")');
      } else {
        // A quote inside an unquoted field is kept as it is, as spreadsheets read it.
        while (i < s.length && s[i] !== "," && s[i] !== "\r" && s[i] !== "\n") cell += s[i++];
      }
      cells.push(cell);
      if (s[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (s[i] === "\r" && s[i + 1] === "\n") i += 2;
    else if (s[i] === "\r" || s[i] === "\n") i++;
    line++;
    records.push({ line: start, cells });
  }
  return records;
}
