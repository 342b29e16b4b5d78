/**
 * Reads an ECIF import file as records: NDJSON (one customer body per line, with its `ecifId`) or CSV
 * (header: ecifId,givenName,familyName,email,phone,birthDate,crossReferences where crossReferences is
 * `system:localId;system:localId`). Streams the file: constant memory whatever its size.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ImportRecord {
  line: number;
  ecifId?: string;
  body?: Record<string, unknown>;
  /** Why the line could not even be read (no personal data: positions and field names only). */
  unreadable?: string;
}

export async function* importRecords(path: string): AsyncGenerator<ImportRecord> {
  const csv = path.toLowerCase().endsWith('.csv');
  let header: string[] | undefined;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    if (!csv) {
      try {
        const { ecifId, ...body } = JSON.parse(text) as Record<string, unknown>;
        yield { line, ecifId: typeof ecifId === 'string' ? ecifId : undefined, body };
      } catch {
        yield { line, unreadable: 'not valid JSON' };
      }
      continue;
    }
    const cells = csvCells(text);
    if (!header) {
      header = cells.map((c) => c.trim());
      continue;
    }
    const row = Object.fromEntries(header.map((h, i) => [h, cells[i]?.trim() ?? '']));
    yield { line, ecifId: row.ecifId || undefined, body: customerFromCsv(row) };
  }
}

function customerFromCsv(row: Record<string, string>): Record<string, unknown> {
  const xrefs = (row.crossReferences ?? '')
    .split(';')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      return { systemId: pair.slice(0, at), localId: pair.slice(at + 1) };
    });
  return {
    name: { given: row.givenName, family: row.familyName },
    ...(row.birthDate ? { birthDate: row.birthDate } : {}),
    emails: row.email ? row.email.split('|') : [],
    phones: row.phone ? row.phone.split('|') : [],
    crossReferences: xrefs,
  };
}

/** RFC 4180 cells of one line: quoted fields, doubled quotes inside. */
export function csvCells(text: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
