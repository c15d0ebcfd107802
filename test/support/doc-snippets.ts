/**
 * Extracts the fenced code blocks of the repository's user-facing Markdown: `README.md`, `docs/*.md`,
 * `packages/*\/README.md` and `examples/*\/README.md`. Used by `conformance/doc-snippets.test.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How a block opts out of the full check: the marker comment on the line just before its fence. */
export type SnippetMarker = 'fragment' | 'output';

/** One fenced code block. */
export interface DocSnippet {
  /** Path from the repository root, with `/`. */
  file: string;
  /** 1-based line of the opening fence; the block's first code line is `line + 1`. */
  line: number;
  /** The fence's info string (`ts`, `json`, …), lower-case. */
  lang: string;
  /** The block's text, with the fence's indentation removed. */
  code: string;
  /** `<!-- snippet: fragment -->` or `<!-- snippet: output -->` just before the fence. */
  marker: SnippetMarker | undefined;
}

const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx', 'js', 'javascript', 'mjs', 'cjs']);

/** Whether a block of this language is type-checked as TypeScript. */
export function isTypeScript(lang: string): boolean {
  return TYPESCRIPT.has(lang);
}

/** The Markdown files whose blocks are checked, from the repository root. */
export function docFiles(root: string): string[] {
  const files = ['README.md'];
  const inFolder = (folder: string) =>
    existsSync(join(root, folder))
      ? readdirSync(join(root, folder))
          .sort()
          .map(name => `${folder}/${name}`)
      : [];
  files.push(...inFolder('docs').filter(path => path.endsWith('.md')));
  for (const parent of ['packages', 'examples'])
    files.push(
      ...inFolder(parent)
        .filter(dir => existsSync(join(root, dir, 'README.md')))
        .map(dir => `${dir}/README.md`),
    );
  return files;
}

/** Every fenced block of `text` (`file` names it in the result). */
export function extractSnippets(file: string, text: string): DocSnippet[] {
  const lines = text.split('\n');
  const snippets: DocSnippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? '```';
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !(lines[i]?.trim().startsWith(fence) && lines[i]?.trim() === fence))
      body.push((lines[i] ?? '').slice(Math.min(indent, /^\s*/.exec(lines[i] ?? '')?.[0].length ?? 0)));
    const previous = lines[start - 1]?.trim() ?? '';
    const marker = /^<!--\s*snippet:\s*(fragment|output)\s*-->$/.exec(previous)?.[1] as
      | SnippetMarker
      | undefined;
    snippets.push({
      file,
      line: start + 1,
      lang: (open[3] ?? '').toLowerCase(),
      code: body.join('\n'),
      marker,
    });
  }
  return snippets;
}

/** Every fenced block of every file of {@link docFiles}. */
export function extractDocSnippets(root: string): DocSnippet[] {
  return docFiles(root).flatMap(file => extractSnippets(file, readFileSync(join(root, file), 'utf8')));
}

/** One Markdown table: its header cells and its body rows, each with its 1-based line. */
export interface DocTable {
  file: string;
  line: number;
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/** Splits a table row into cells (`\|` inside a cell is not a separator). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map(cell => cell.trim());
}

/** Every table of `text` (outside fenced blocks). */
export function extractTables(file: string, text: string): DocTable[] {
  const lines = text.split('\n');
  const tables: DocTable[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence || !/^\s*\|/.test(line) || !/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? '')) continue;
    const table: DocTable = { file, line: i + 1, header: cells(line), rows: [] };
    for (i += 2; i < lines.length && /^\s*\|/.test(lines[i] ?? ''); i++)
      table.rows.push({ line: i + 1, cells: cells(lines[i] ?? '') });
    tables.push(table);
  }
  return tables;
}

/** Every table of every file of {@link docFiles}. */
export function extractDocTables(root: string): DocTable[] {
  return docFiles(root).flatMap(file => extractTables(file, readFileSync(join(root, file), 'utf8')));
}

/** The backticked names of a table cell (`` `a` / `b` `` → `['a', 'b']`). */
export function codeNames(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map(match => match[1] ?? '');
}
