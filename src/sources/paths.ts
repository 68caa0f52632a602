/**
 * Resolving the paths given to `csvSource`: files, directories and a simple `*` / `?` pattern in
 * the last path segment.
 * @module
 * @internal
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError, InputError } from '../errors.js';

const WILDCARD = /[*?]/;

function patternToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/\\\\]*').replace(/\?/g, '[^/\\\\]');
  return new RegExp(`^${body}$`);
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : String(e?.message ?? error);
}

/** Files in `dir` whose names satisfy `accept`, sorted by name (code-unit order). */
async function listFiles(dir: string, accept: (name: string) => boolean, what: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new InputError(`csvSource: cannot list ${what}: ${describe(error)}`);
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!accept(entry.name)) continue;
    let isFile = entry.isFile();
    if (!isFile && entry.isSymbolicLink()) isFile = (await stat(join(dir, entry.name)).catch(() => null))?.isFile() ?? false;
    if (isFile) names.push(entry.name);
  }
  names.sort();
  return names.map((n) => join(dir, n));
}

/**
 * For a directory with no CSV file by name: its most common other extension (vendors write `.txt`,
 * `.tsv`, `.dat`), and the pattern that reads those files, as a message's end; '' when it has
 * none.
 */
async function otherFiles(dir: string): Promise<string> {
  const extension = /\.[a-z0-9]+(\.gz)?$/i;
  const files = await listFiles(dir, (n) => !n.startsWith('.') && extension.test(n), `directory '${dir}'`).catch(() => []);
  const count = new Map<string, number>();
  for (const f of files) {
    const ext = (extension.exec(basename(f)) as RegExpExecArray)[0].toLowerCase();
    count.set(ext, (count.get(ext) ?? 0) + 1);
  }
  const [ext, n] = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [];
  if (ext === undefined || n === undefined) return '';
  return `; it has ${n} ${ext} file${n === 1 ? '' : 's'}: to read ${n === 1 ? 'it' : 'them'} as CSV, give the pattern '${join(dir, `*${ext}`)}'`;
}

/**
 * Refuses `files` (one directory's) holding a file and its gzip copy: `gzip -k` leaves the file
 * beside its copy, and read both, every row would be read twice.
 * @throws {InputError} naming the two.
 */
function refuseCopies(files: readonly string[], where: string, instead: string): void {
  const names = new Set(files.map((f) => basename(f).toLowerCase()));
  const twice = files.find((f) => /\.gz$/i.test(f) && names.has(basename(f).slice(0, -3).toLowerCase()));
  if (twice !== undefined) {
    throw new InputError(`csvSource: ${where} '${basename(twice)}' beside '${basename(twice).slice(0, -3)}': the same rows twice; keep one of them, or ${instead}`);
  }
}

/**
 * The files that `inputs` name, in order, each once:
 * - a file: itself;
 * - a directory: every `*.csv` and `*.csv.gz` file directly in it (the extension in any case),
 *   sorted by name; an InputError when it holds a file and its gzip copy (`SPY.csv.gz` beside
 *   `SPY.csv`);
 * - a pattern with `*` (any run of characters) or `?` (one character) in its last segment, such as
 *   `bars/*.csv` or `bars/SPY_*`: the matching files in that directory, sorted by name; an
 *   InputError, as for a directory, when they hold a file and its gzip copy. The directory part
 *   may not hold wildcards, and there is no `**`.
 * Hidden files (a name starting with `.`) are left out of directories and patterns, as a shell
 * leaves them out, unless the pattern itself starts with a dot; a hidden file named alone is read.
 * @throws {ConfigError} for a wildcard in a directory segment.
 * @throws {InputError} for a path that does not exist, or a directory or pattern with no file.
 */
export async function resolvePaths(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string): void => {
    if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  };
  for (const input of inputs) {
    const name = basename(input);
    const dir = dirname(input);
    if (WILDCARD.test(dir)) throw new ConfigError('paths', `'${input}': wildcards are only supported in the last path segment`);
    if (WILDCARD.test(name)) {
      const re = patternToRegExp(name);
      // As in a shell, a wildcard does not match a hidden file (`._SPY.csv`, which macOS leaves
      // beside copied files) unless the pattern starts with a dot itself.
      const hidden = name.startsWith('.');
      const files = await listFiles(dir, (n) => re.test(n) && (hidden || !n.startsWith('.')), `'${dir}' for '${input}'`);
      if (files.length === 0) throw new InputError(`csvSource: no file matches '${input}'`);
      // `bars/*` and `bars/SPY*` take a file and its copy as a directory does.
      refuseCopies(files, `'${input}' matches`, 'a pattern that matches one');
      files.forEach(add);
      continue;
    }
    let info;
    try {
      info = await stat(input);
    } catch (error) {
      throw new InputError(`csvSource: cannot read '${input}': ${describe(error)}`);
    }
    if (info.isDirectory()) {
      const files = await listFiles(input, (n) => /\.csv(\.gz)?$/i.test(n) && !n.startsWith('.'), `directory '${input}'`);
      if (files.length === 0) throw new InputError(`csvSource: directory '${input}' has no .csv or .csv.gz file${await otherFiles(input)}`);
      refuseCopies(files, `directory '${input}' has`, 'name the files to read');
      files.forEach(add);
    } else {
      add(input);
    }
  }
  return out;
}
