/**
 * The lines of an ECIF load file as load lines: NDJSON (one customer body per line, with its `ecifId`)
 * or CSV (header: ecifId,givenName,familyName,email,phone,birthDate,crossReferences where
 * crossReferences is `system:localId;system:localId`, several emails or phones split by `|`). Reads a
 * stream of text lines: constant memory whatever the file's size. Shared by the load job's staging step
 * and the CLI.
 */
import type { LoadLine } from './bulk-load.ts';

export type LoadFormat = 'ndjson' | 'csv';

export function formatOf(name: string): LoadFormat {
  return /\.csv(\.gz)?$/i.test(name) ? 'csv' : 'ndjson';
}

export async function* loadLines(lines: AsyncIterable<string>, format: LoadFormat): AsyncGenerator<LoadLine> {
  let header: string[] | undefined;
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    if (format === 'ndjson') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        yield { line, unreadable: 'not valid JSON' };
        continue;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        yield { line, unreadable: 'not a JSON object' };
        continue;
      }
      const { ecifId, ...body } = parsed as Record<string, unknown>;
      yield { line, ecifId, body };
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
