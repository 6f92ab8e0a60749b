/**
 * Opens a file of numbers by its extension: .npy, .csv, .jsonl (or .ndjson).
 */
import { openNpy } from './npy.js';
import { formatOf, FileFormatError, type RowSource } from './row-source.js';
import { openText } from './text-source.js';

export async function openSource(file: string): Promise<RowSource> {
  const format = formatOf(file);
  try {
    return format === 'npy' ? await openNpy(file) : await openText(file, format);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileFormatError(file, 'no such file');
    if (code === 'EISDIR') throw new FileFormatError(file, 'is a directory, not a file');
    if (code === 'EACCES') throw new FileFormatError(file, 'permission denied');
    throw err;
  }
}
