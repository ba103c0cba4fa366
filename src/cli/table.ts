import Table from 'cli-table3';

type Align = 'left' | 'right' | 'center';

/** A plain table for terminal output: a rule under the header, no lines between rows. */
export function createTable(head: string[], align?: Align[]): Table.Table {
  return new Table({
    head,
    ...(align ? { colAligns: align } : {}),
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '',
    },
  });
}

/** Draws the header rule that `createTable` leaves out. */
export function renderTable(table: Table.Table): string {
  const lines = table.toString().split('\n');
  const width = Math.max(...lines.map((l) => l.trimEnd().length));
  return [lines[0], '─'.repeat(width), ...lines.slice(1)].map((l) => l?.trimEnd()).join('\n');
}
