/**
 * The README's code examples, type-checked against the built package and run as a user would run
 * them: each ```ts (or ```js) block is a program of its own importing 'barstream' (the package's
 * self-reference, so the `exports` map and `dist/` are what is checked, not the sources). A line
 * ending in `// → text` claims that it prints `text`: the block's output must hold those lines, in
 * order. A block that cannot run alone says so with `<!-- not-run: reason -->` on the line before
 * its fence. A block that reads `../shared/data` is type-checked, and run only where that folder is.
 * Needs `dist/` built (`npx tsc -p .`).
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README_PATH = path.join(ROOT, 'README.md');
const SHARED_DATA = path.join(ROOT, '..', 'shared', 'data');
const RUN_TIMEOUT_MS = 60_000;

/** What a README line claims the block prints. */
interface Claim {
  /** 1-based line in README.md. */
  line: number;
  text: string;
}

interface Block {
  lang: 'ts' | 'js';
  /** README line of the block's first code line (the one after the fence). */
  firstLine: number;
  code: string;
  /** The reason given by a `<!-- not-run: reason -->` marker, or null for a block that runs. */
  notRun: string | null;
  claims: Claim[];
}

const RUN_LANGS: Record<string, Block['lang']> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };
const NOT_RUN = /^\s*<!--\s*not-run:\s*(.*?)\s*-->\s*$/;
const CLAIM = /\/\/ → (.*)$/;

interface Fenced {
  lang: string;
  /** README line of the fence itself. */
  fenceLine: number;
  lines: string[];
}

/** Every fenced block, its content lines with the fence's indentation taken off (blocks in list items are indented). */
function fencedBlocks(markdown: string): Fenced[] {
  const lines = markdown.split('\n');
  const out: Fenced[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]!); j++) {
      const l = lines[j]!;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    if (j === lines.length) throw new Error(`README.md:${i + 1}: a code fence that is never closed`);
    out.push({ lang: lang.toLowerCase(), fenceLine: i + 1, lines: body });
    i = j;
  }
  return out;
}

/** The nearest non-blank line above a README line (1-based), or ''. */
function lineAbove(lines: readonly string[], line: number): string {
  for (let i = line - 2; i >= 0; i--) if (lines[i]!.trim() !== '') return lines[i]!;
  return '';
}

function readmeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (const f of fencedBlocks(markdown)) {
    const lang = RUN_LANGS[f.lang];
    if (lang === undefined) continue;
    const marker = NOT_RUN.exec(lineAbove(lines, f.fenceLine));
    const claims: Claim[] = [];
    f.lines.forEach((l, k) => {
      const m = CLAIM.exec(l);
      if (m !== null) claims.push({ line: f.fenceLine + 1 + k, text: m[1]!.trim() });
    });
    blocks.push({ lang, firstLine: f.fenceLine + 1, code: f.lines.join('\n'), notRun: marker === null ? null : marker[1]!, claims });
  }
  return blocks;
}

const README = readFileSync(README_PATH, 'utf8');
const BLOCKS = readmeBlocks(README);
const RUNNABLE = BLOCKS.filter((b) => b.notRun === null);

/** Whitespace-insensitive form of printed text: util.inspect breaks long values over lines as it likes. */
function squash(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Checks that each claim, in order, is one or more whole consecutive lines of `stdout` (compared
 * without regard to whitespace), each match after the previous one. Returns what failed, or null.
 */
function unmetClaim(stdout: string, claims: readonly Claim[]): Claim | null {
  const lines = stdout.split('\n');
  let from = 0;
  for (const claim of claims) {
    const want = squash(claim.text);
    let found = -1;
    for (let start = from; start < lines.length && found < 0; start++) {
      let got = '';
      for (let end = start; end < lines.length; end++) {
        got = squash(`${got} ${lines[end]!}`);
        if (got === want) {
          found = end;
          break;
        }
        if (got.length >= want.length) break;
      }
    }
    if (found < 0) return claim;
    from = found + 1;
  }
  return null;
}

function fileName(block: Block): string {
  return `readme-line-${block.firstLine}.${block.lang === 'ts' ? 'ts' : 'mjs'}`;
}

// Inside the package, so that 'barstream' resolves to it by self-reference, as it does for a user's
// code to the installed package.
let dir = '';

test.before(() => {
  if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is not built: run `npx tsc -p .` first');
  dir = mkdtempSync(path.join(ROOT, '.readme-examples-'));
  for (const block of RUNNABLE) {
    // `export {}` at the end, not the start, so that a block's line k stays line k of its file.
    writeFileSync(path.join(dir, fileName(block)), `${block.code}\nexport {};\n`);
  }
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '.', outDir: '.out' },
      include: ['*.ts'],
    }),
  );
});

test.after.always(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the README has examples to check, and every not-run marker stands before one, with a reason', (t) => {
  t.true(RUNNABLE.length >= 5, `found ${RUNNABLE.length} runnable blocks: has the fence syntax changed?`);
  const lines = README.split('\n');
  const fences = new Set(fencedBlocks(README).map((f) => f.fenceLine));
  lines.forEach((l, i) => {
    if (!/<!--\s*not-run/.test(l)) return;
    t.regex(l, NOT_RUN, `README.md:${i + 1}: write the marker as <!-- not-run: reason -->`);
    t.not(NOT_RUN.exec(l)?.[1] ?? '', '', `README.md:${i + 1}: a not-run marker needs its reason`);
    let next = i + 1;
    while (next < lines.length && lines[next]!.trim() === '') next++;
    t.true(fences.has(next + 1), `README.md:${i + 1}: a not-run marker with no code block after it`);
  });
  // Fragments are the exception: an example a user cannot run is one nobody checks.
  t.true(BLOCKS.length - RUNNABLE.length <= 2, 'more than two README examples are marked not-run');
});

test('the README examples type-check against the built package (strict, NodeNext)', async (t) => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await run(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json'), '--pretty', 'false']);
  const byFile = new Map(RUNNABLE.map((b) => [fileName(b), b]));
  // tsc names a file and line; the README line is what a reader can go and fix.
  const diagnostics = `${r.stdout}${r.stderr}`.replace(/^.*?([\w.-]+)\((\d+),(\d+)\)/gm, (all, file: string, line: string, col: string) => {
    const block = byFile.get(file);
    return block === undefined ? all : `README.md:${block.firstLine + Number(line) - 1}:${col}`;
  });
  t.is(r.code, 0, diagnostics);
});

function checkOutput(t: ExecutionContext, block: Block, r: Exit): void {
  const where = `README.md:${block.firstLine}`;
  t.is(r.code, 0, `${where}: the example exited with ${r.code}\n${r.stderr}`);
  const unmet = unmetClaim(r.stdout, block.claims);
  t.is(unmet, null, unmet === null ? '' : `README.md:${unmet.line}: claims it prints\n  ${unmet.text}\nbut the example printed\n${r.stdout}`);
}

for (const block of RUNNABLE) {
  const title = `README.md:${block.firstLine}: the example runs${block.claims.length > 0 ? ' and prints what it says' : ''}`;
  if (block.code.includes('../shared/data') && !existsSync(SHARED_DATA)) {
    test.skip(`${title} (skipped: the example reads ${SHARED_DATA}, which is absent)`, () => {});
    continue;
  }
  test(title, async (t) => {
    const args = block.lang === 'ts' ? ['--import', 'tsx'] : [];
    const r = await run(process.execPath, [...args, path.join(dir, fileName(block))]);
    checkOutput(t, block, r);
  });
}

test('claims are matched as whole printed lines, in order', (t) => {
  const claims = (...texts: string[]): Claim[] => texts.map((text, i) => ({ line: i + 1, text }));
  t.is(unmetClaim('a\n1 2\nb\n', claims('1 2')), null);
  t.is(unmetClaim("{\n  x: 1,\n  y: 2\n}\n", claims('{ x: 1, y: 2 }')), null);
  t.deepEqual(unmetClaim('21 2\n', claims('1 2')), { line: 1, text: '1 2' });
  t.deepEqual(unmetClaim('b\na\n', claims('a', 'b')), { line: 2, text: 'b' });
});

test('the command line section lists the options `barstream --help` does', async (t) => {
  const section = README.slice(README.indexOf('## Command line'));
  const usage = fencedBlocks(section)[0];
  t.truthy(usage, 'no usage block under "## Command line"');
  const readmeOptions = [...new Set((usage?.lines.join('\n') ?? '').match(/--[a-z][a-z-]*/g))].sort();
  const help = await run(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), '--help']);
  t.is(help.code, 0, help.stderr);
  const options = help.stdout.slice(help.stdout.indexOf('Options:'));
  const helpOptions = [...new Set([...options.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!))].sort();
  t.true(helpOptions.length > 5, help.stdout);
  t.deepEqual(readmeOptions, helpOptions);
});

test('every `npm run` script the README names is in package.json', (t) => {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const named = [...README.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
  t.true(named.length > 0);
  for (const name of named) t.true(name in scripts, `README names \`npm run ${name}\`, which package.json does not have`);
});
