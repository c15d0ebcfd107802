/**
 * Docs that match the code (issue 17 "What to build" 2): every TypeScript/JavaScript and JSON block of
 * the READMEs and `docs/` is type-checked against the real packages, so an option that does not exist
 * (e.g. the Medusa provider option `publicBaseUrl`, which is `backendUrl`) fails here instead of
 * stopping a shop's server.
 *
 * - TS/JS blocks are written to a scratch folder inside the package where their imports resolve
 *   (Vendure → `packages/vendure-plugin`, Medusa → `packages/medusa-plugin`, core and sandbox → `test/`)
 *   and checked with one `tsc --noEmit` per package, with that package's compiler options.
 * - JSON blocks become `const snippet: <type> = <json>` against the real option type (flat settings →
 *   the core's `AlipaySettings`, sandbox config file → `SandboxConfigInput`), so unknown names are
 *   excess properties. Settings blocks are also run through `settingsToConfig`.
 * - Medusa config blocks are also run: `defineConfig` from `@medusajs/framework`, then every Alipay
 *   provider entry goes through the provider's own boot validation (`validateProviderOptions`).
 *
 * Markers, on the line just before a fence (see `test/support/doc-snippets.ts`):
 * `<!-- snippet: fragment -->` keeps the type check but tolerates names the block uses without
 * declaring them (`req`, `settings`…) and a config object's elided required members (`// ...`);
 * `<!-- snippet: output -->` marks JSON that shows what a program prints (parsed only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveSettingsPolicy, settingsToConfig } from '@alipay-commerce/core';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import {
  codeNames,
  type DocSnippet,
  type DocTable,
  extractDocSnippets,
  extractDocTables,
  isTypeScript,
} from '../support/doc-snippets';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const tscBin = require.resolve('typescript/bin/tsc');
const snippets = extractDocSnippets(root);
const tables = extractDocTables(root);

/** The packages a TS block may be checked in, and the folder a scratch copy goes to. */
type Home = 'vendure' | 'medusa' | 'core';
const HOME_DIR: Record<Home, string> = {
  vendure: join(root, 'packages/vendure-plugin'),
  medusa: join(root, 'packages/medusa-plugin'),
  core: join(root, 'test'),
};
/** Compiler options on top of the package's own `tsconfig.json`. */
const HOME_OPTIONS: Record<Home, Record<string, unknown>> = {
  // The package does not import itself by name (no `exports`): point the name at its source.
  vendure: { paths: { '@alipay-commerce/vendure': ['../src/index.ts'] } },
  medusa: { checkJs: false },
  core: {},
};

/** Which package resolves the block's imports. */
function homeOf(snippet: DocSnippet): Home {
  if (/@vendure\/|@alipay-commerce\/vendure|VendureConfig/.test(snippet.code)) return 'vendure';
  if (/@medusajs\/|@alipay-commerce\/medusa|defineConfig|sdk\.store/.test(snippet.code)) return 'medusa';
  return 'core';
}

/**
 * Diagnostics a `fragment` block may have: names it uses without declaring (2304, 2552, 2580, 2582,
 * 18004 for a shorthand `{ outTradeNo }`) and what follows from them (7006, 7031: implicit any),
 * `return` or `await` outside a function (1108, 1309, 1375, 1378), and required members elided with
 * `// ...` (2739, 2740, 2741). Unknown option names (2353, 2561) and wrong types (2322, 2345) still fail.
 */
const FRAGMENT_TOLERATED = new Set([
  1108, 1309, 1375, 1378, 2304, 2552, 2580, 2582, 2739, 2740, 2741, 7006, 7031, 18004,
]);

/** What a JSON block is checked against, by shape. */
function jsonType(value: unknown): { importLine: string; type: string } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if ('interfaceType' in value)
    return {
      importLine: "import type { AlipaySettings } from '@alipay-commerce/core';",
      type: 'AlipaySettings',
    };
  if ('merchants' in value || 'apps' in value)
    return {
      importLine: "import type { SandboxConfigInput } from '@alipay-commerce/sandbox';",
      type: 'SandboxConfigInput',
    };
  return undefined;
}

/** Strips `//` comments outside strings (JSONC). */
function stripJsonComments(text: string): string {
  return text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*/g, (_match, str) => str ?? '');
}

/** A file tsc checks, and where each of its lines comes from in the docs. */
interface ScratchFile {
  file: string;
  source: string;
  /** `file:line` in the docs of the scratch file's 1-based line. */
  where: (line: number) => string;
  /** A `fragment` block: {@link FRAGMENT_TOLERATED} diagnostics are ignored. */
  fragment: boolean;
}

/** A scratch file with the same line numbers as the block (the block's first line is line 1). */
function fromSnippet(snippet: DocSnippet, file: string, source: string): ScratchFile {
  return {
    file,
    source,
    where: line => `${snippet.file}:${snippet.line + line}`,
    fragment: snippet.marker === 'fragment',
  };
}

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes the files to a scratch folder in `home`, runs tsc once, returns one message per error. */
function typeCheck(home: Home, files: ScratchFile[]): string[] {
  if (!files.length) return [];
  const dir = mkdtempSync(join(HOME_DIR[home], '.doc-snippets-'));
  scratchDirs.push(dir);
  for (const { file, source } of files) writeFileSync(join(dir, file), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { rootDir: '..', noEmit: true, ...HOME_OPTIONS[home] },
      include: ['*.ts'],
      exclude: [],
    }),
  );
  let output = '';
  try {
    execFileSync(process.execPath, [tscBin, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: dir,
      encoding: 'utf8',
    });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  const problems: string[] = [];
  // tsc prints `file(line,col): error TSnnnn: message`, then indented continuation lines.
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^(.+?)\((\d+),(\d+)\): error TS(\d+): (.*)$/.exec(lines[i] ?? '');
    if (!match) continue;
    let message = match[5] ?? '';
    while (lines[i + 1]?.startsWith(' ')) message += `\n${lines[++i]}`;
    const name = relative(dir, join(dir, match[1] ?? '')).replace(/^.*[\\/]/, '');
    const entry = files.find(f => f.file === name);
    if (!entry) {
      problems.push(`${match[1]}(${match[2]}): TS${match[4]} ${message}`);
      continue;
    }
    if (entry.fragment && FRAGMENT_TOLERATED.has(Number(match[4]))) continue;
    problems.push(`${entry.where(Number(match[2]))}: TS${match[4]} ${message}`);
  }
  if (output && !problems.length && !/error TS/.test(output) && output.trim()) problems.push(output);
  return problems;
}

/** One backticked name of an option table and the type it must belong to. */
interface TableName {
  file: string;
  line: number;
  name: string;
  type: string;
}

const SETTINGS_HEADERS = new Set(['setting', 'Setting', '设置', 'Field']);
const SANDBOX_INPUT: Record<string, string> = {
  merchants: "NonNullable<SandboxConfigInput['merchants']>[number]",
  apps: "NonNullable<SandboxConfigInput['apps']>[number]",
};

/**
 * The names an option table gives, by its header: the Vendure plugin options, the flat settings (and the
 * interface types), the sandbox config file. Other tables (status mappings, routes…) name no option.
 */
function tableNames(table: DocTable): { home: Home; names: TableName[] } | undefined {
  const first = table.header[0] ?? '';
  const names: TableName[] = [];
  const add = (line: number, cell: string | undefined, type: (name: string) => string) => {
    for (const name of codeNames(cell ?? '')) names.push({ file: table.file, line, name, type: type(name) });
  };
  if ((first === 'Option' || first === '选项') && table.file === 'packages/vendure-plugin/README.md') {
    for (const row of table.rows) add(row.line, row.cells[0], () => 'keyof AlipayPluginOptions');
    return { home: 'vendure', names };
  }
  if (SETTINGS_HEADERS.has(first)) {
    for (const row of table.rows) add(row.line, row.cells[0], () => 'keyof AlipaySettings');
    return { home: 'core', names };
  }
  if (first === 'value' && table.file === 'docs/settings.md') {
    for (const row of table.rows) add(row.line, row.cells[0], () => 'InterfaceType');
    return { home: 'core', names };
  }
  if (first === '`interfaceType`') {
    for (const row of table.rows) {
      add(row.line, row.cells[0], () => 'InterfaceType');
      add(row.line, `${row.cells[2]} ${row.cells[3]}`, () => 'keyof AlipaySettings');
    }
    return { home: 'core', names };
  }
  if (first === 'field' && table.file === 'packages/sandbox/README.md') {
    for (const row of table.rows) {
      // `apps[].aes` / `aesKey`: a name without a prefix shares the cell's first prefix.
      let parent: string | undefined;
      for (const raw of codeNames(row.cells[0] ?? '')) {
        const match = /^(\w+)\[\]\.(\w+)$/.exec(raw);
        if (match) parent = match[1];
        const name = match ? (match[2] ?? raw) : raw;
        const owner = parent ? SANDBOX_INPUT[parent] : 'SandboxConfigInput';
        names.push({
          file: table.file,
          line: row.line,
          name,
          type: `keyof ${owner ?? `unknown /* ${parent}[] */`}`,
        });
      }
    }
    return { home: 'core', names };
  }
  return undefined;
}

/**
 * The handler arguments of the GraphQL examples (`{ name: "appId", value: "…" }` in `createPaymentMethod`):
 * each name must be an argument of the Vendure payment handler, and an `interfaceType` value a real type.
 */
function graphqlArgumentNames(): TableName[] {
  const names: TableName[] = [];
  for (const snippet of snippets.filter(s => s.lang === 'graphql')) {
    snippet.code.split('\n').forEach((text, index) => {
      const match = /\{\s*name:\s*"(\w+)",?\s*value:\s*"([^"]*)"/.exec(text);
      if (!match) return;
      const line = snippet.line + 1 + index;
      names.push({ file: snippet.file, line, name: match[1] ?? '', type: 'keyof AlipayHandlerArgs' });
      if (match[1] === 'interfaceType')
        names.push({ file: snippet.file, line, name: match[2] ?? '', type: 'InterfaceType' });
    });
  }
  return names;
}

/** One scratch file checking every table name of `home` against its type, one name per line. */
function tableFile(home: Home): ScratchFile | undefined {
  const names = tables.flatMap(table => {
    const found = tableNames(table);
    return found?.home === home ? found.names : [];
  });
  if (home === 'vendure') names.push(...graphqlArgumentNames());
  if (!names.length) return undefined;
  const imports =
    home === 'vendure'
      ? "import type { AlipayHandlerArgs, AlipayPluginOptions } from '@alipay-commerce/vendure';\nimport type { InterfaceType } from '@alipay-commerce/core';"
      : "import type { AlipaySettings, InterfaceType } from '@alipay-commerce/core';\nimport type { SandboxConfigInput } from '@alipay-commerce/sandbox';";
  const lines = names.map(
    (entry, i) => `export const name${i}: ${entry.type} = ${JSON.stringify(entry.name)};`,
  );
  return {
    file: 'option-tables.ts',
    source: `${lines.join('\n')}\n${imports}\n`,
    where: line => {
      const entry = names[line - 1];
      return entry ? `${entry.file}:${entry.line} (\`${entry.name}\`)` : `option-tables.ts:${line}`;
    },
    fragment: false,
  };
}

describe('config snippets in the READMEs and docs/', () => {
  it('finds the blocks (the extractor works)', () => {
    const files = new Set(snippets.map(s => s.file));
    expect(files).toContain('packages/vendure-plugin/README.md');
    expect(files).toContain('packages/medusa-plugin/README.md');
    expect(snippets.filter(s => isTypeScript(s.lang)).length).toBeGreaterThanOrEqual(8);
    expect(graphqlArgumentNames().length).toBeGreaterThan(0);
    // The option tables are recognised by their header: a renamed header must not skip them silently.
    const optionTables = tables.filter(table => tableNames(table));
    expect(optionTables.map(table => `${table.file}:${table.header[0]}`).sort()).toEqual(
      expect.arrayContaining([
        'docs/settings.md:setting',
        'docs/settings.md:value',
        'packages/medusa-plugin/README.md:Field',
        'packages/medusa-plugin/README.md:`interfaceType`',
        'packages/sandbox/README.md:field',
        'packages/vendure-plugin/README.md:Option',
        'packages/vendure-plugin/README.md:Setting',
        'packages/vendure-plugin/README.md:选项',
        'packages/vendure-plugin/README.md:设置',
      ]),
    );
  });

  for (const home of ['vendure', 'medusa', 'core'] as const) {
    const blocks = snippets.filter(s => isTypeScript(s.lang) && homeOf(s) === home);
    it(`TS/JS blocks and option tables type-check in ${relative(root, HOME_DIR[home])} (${blocks.length} blocks)`, () => {
      // `export {}` at the end keeps each block a module without moving its line numbers.
      const files = blocks.map((snippet, index) =>
        fromSnippet(snippet, `snippet-${index}.ts`, `${snippet.code}\nexport {};\n`),
      );
      const table = tableFile(home);
      const problems = typeCheck(home, table ? [...files, table] : files);
      expect(problems, problems.join('\n\n')).toEqual([]);
    }, 120_000);
  }

  const jsonBlocks = snippets.filter(s => s.lang === 'json' || s.lang === 'jsonc');
  it(`JSON blocks parse, and settings / sandbox config blocks use only real names (${jsonBlocks.length})`, () => {
    const typed: ScratchFile[] = [];
    const problems: string[] = [];
    const parsed = new Map<DocSnippet, unknown>();
    for (const snippet of jsonBlocks) {
      try {
        parsed.set(
          snippet,
          JSON.parse(snippet.lang === 'jsonc' ? stripJsonComments(snippet.code) : snippet.code),
        );
      } catch (error) {
        problems.push(`${snippet.file}:${snippet.line + 1}: not valid JSON: ${(error as Error).message}`);
        continue;
      }
      const shape = snippet.marker === 'output' ? undefined : jsonType(parsed.get(snippet));
      if (!shape) continue;
      const body = snippet.lang === 'jsonc' ? stripJsonComments(snippet.code) : snippet.code;
      // Same line numbers as the block: the declaration starts on its first line, the import follows it.
      typed.push(
        fromSnippet(
          snippet,
          `json-${typed.length}.ts`,
          `export const snippet: ${shape.type} = ${body};\n${shape.importLine}\n`,
        ),
      );
    }
    problems.push(...typeCheck('core', typed));
    // Flat settings are also validated as the plugins validate them on save (the offline sandbox's
    // loopback gateway allowed, as the examples run against it).
    const policy = resolveSettingsPolicy({ allowLoopbackGateway: true });
    for (const snippet of jsonBlocks) {
      const value = parsed.get(snippet);
      if (snippet.marker === 'output' || jsonType(value)?.type !== 'AlipaySettings') continue;
      const result = settingsToConfig(value as Parameters<typeof settingsToConfig>[0], policy);
      if (!result.ok)
        problems.push(
          `${snippet.file}:${snippet.line + 1}: settingsToConfig refuses it: ${result.issues.map(i => `${i.field}: ${i.message.en}`).join('; ')}`,
        );
    }
    expect(problems, problems.join('\n\n')).toEqual([]);
  }, 120_000);

  const medusaConfigs = snippets.filter(s => isTypeScript(s.lang) && /defineConfig\(/.test(s.code));
  it(`Medusa config blocks load, and the Alipay provider accepts their options (${medusaConfigs.length})`, () => {
    expect(medusaConfigs.length).toBeGreaterThan(0);
    const medusaDir = HOME_DIR.medusa;
    const medusaRequire = createRequire(join(medusaDir, 'package.json'));
    // The provider's own boot check, as Medusa runs it before constructing the provider.
    const { validateProviderOptions } = medusaRequire('./.medusa/server/src/providers/alipay/options.js') as {
      validateProviderOptions: (options: unknown) => void;
    };
    const problems: string[] = [];
    for (const snippet of medusaConfigs) {
      const where = `${snippet.file}:${snippet.line + 1}`;
      const js = ts.transpileModule(snippet.code, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const module = { exports: {} as unknown };
      try {
        new Function('require', 'module', 'exports', js)(medusaRequire, module, module.exports);
      } catch (error) {
        problems.push(`${where}: the config does not load: ${(error as Error).message}`);
        continue;
      }
      const providers: { options?: unknown }[] = [];
      const visit = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(visit);
        else if (value && typeof value === 'object') {
          if ((value as { resolve?: unknown }).resolve === '@alipay-commerce/medusa/providers/alipay')
            providers.push(value as { options?: unknown });
          Object.values(value).forEach(visit);
        }
      };
      visit(module.exports);
      if (!providers.length)
        problems.push(`${where}: no '@alipay-commerce/medusa/providers/alipay' entry found`);
      /** The docs line of the first line of the block naming `name` as a property, else the block's. */
      const lineNaming = (name: string): string => {
        const index = snippet.code.split('\n').findIndex(line => new RegExp(`\\b${name}\\s*:`).test(line));
        return index < 0 ? where : `${snippet.file}:${snippet.line + 1 + index}`;
      };
      for (const provider of providers) {
        try {
          validateProviderOptions(provider.options);
        } catch (error) {
          const message = (error as Error).message;
          const named = /"(\w+)"/.exec(message)?.[1];
          problems.push(`${named ? lineNaming(named) : where}: the provider refuses its options: ${message}`);
        }
      }
      // Optional options shown commented out (`// subject: …`) must be real option names too.
      for (const match of snippet.code.matchAll(/^\s*\/\/\s*([a-z]\w*):[ \t]+\S/gm)) {
        const name = match[1] ?? '';
        try {
          validateProviderOptions({
            backendUrl: 'https://api.shop.example',
            storefrontReturnUrl: 'https://shop.example/checkout/alipay',
            [name]: undefined,
          });
        } catch (error) {
          problems.push(`${lineNaming(name)}: commented-out option "${name}": ${(error as Error).message}`);
        }
      }
    }
    expect(problems, problems.join('\n\n')).toEqual([]);
  }, 60_000);
});
