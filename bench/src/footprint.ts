import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Install footprint: the runtime (production) packages a dependency pulls into an application, and their
 * size on disk. Walks the installed tree the way Node resolves it — each package's `dependencies` and
 * installed `optionalDependencies`, found by climbing `node_modules` from the package's real directory —
 * and cross-checks the set with `pnpm list`.
 */

/** bench/ (this file runs as bench/dist/footprint.js). */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface InstalledPackage {
  name: string;
  version: string;
  dir: string;
  /** Sum of the sizes of its files (nested node_modules excluded). */
  bytes: number;
}

export interface TreeFootprint {
  root: InstalledPackage;
  /** Transitive runtime dependencies, the root excluded, unique by name@version. */
  dependencies: InstalledPackage[];
  dependencyBytes: number;
  /** What `pnpm list` reports for the same tree (name@version set), or undefined if pnpm did not run. */
  pnpmList?: { count: number; agrees: boolean };
}

interface Manifest {
  name: string;
  version: string;
  files?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

function treeBytes(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    total += treeBytes(join(path, entry));
  }
  return total;
}

/** The files a package ships: its `files` list (plus package.json, README, LICENSE), else the whole dir. */
function packageBytes(dir: string, manifest: Manifest): number {
  if (!manifest.files) return treeBytes(dir);
  const always = readdirSync(dir).filter(entry => /^(package\.json|readme|license|licence)/i.test(entry));
  const entries = new Set([...always, ...manifest.files.map(f => f.replace(/^\.\//, '').replace(/\/$/, ''))]);
  let total = 0;
  for (const entry of entries) {
    const path = join(dir, entry);
    if (existsSync(path)) total += treeBytes(path);
  }
  return total;
}

/** Node's lookup: `<dir>/node_modules/<name>`, climbing from the requiring package's real directory. */
function resolvePackageDir(fromDir: string, name: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function describe(dir: string): InstalledPackage {
  const manifest = readManifest(dir);
  return { name: manifest.name, version: manifest.version, dir, bytes: packageBytes(dir, manifest) };
}

export function walkTree(rootDir: string): TreeFootprint {
  const root = describe(realpathSync(rootDir));
  const seen = new Map<string, InstalledPackage>();
  const queue = [root.dir];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const manifest = readManifest(dir);
    const required = Object.keys(manifest.dependencies ?? {});
    const optional = Object.keys(manifest.optionalDependencies ?? {});
    for (const name of [...required, ...optional]) {
      const depDir = resolvePackageDir(dir, name);
      if (!depDir) {
        if (required.includes(name)) throw new Error(`${manifest.name}: dependency ${name} is not installed`);
        continue; // an optional dependency not installed on this platform
      }
      const dep = describe(depDir);
      const id = `${dep.name}@${dep.version}`;
      if (seen.has(id)) continue;
      seen.set(id, dep);
      queue.push(depDir);
    }
  }
  const dependencies = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    root,
    dependencies,
    dependencyBytes: dependencies.reduce((sum, dep) => sum + dep.bytes, 0),
  };
}

interface ListNode {
  version?: string;
  dependencies?: Record<string, ListNode>;
  devDependencies?: Record<string, ListNode>;
  optionalDependencies?: Record<string, ListNode>;
}

function listIds(node: ListNode, into: Set<string>): Set<string> {
  for (const group of [node.dependencies, node.optionalDependencies]) {
    for (const [name, child] of Object.entries(group ?? {})) {
      into.add(`${name}@${child.version}`);
      listIds(child, into);
    }
  }
  return into;
}

function pnpmList(cwd: string, args: string[]): ListNode | undefined {
  const result = spawnSync('pnpm', ['list', '--depth', 'Infinity', '--json', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0 || !result.stdout) return undefined;
  try {
    const parsed = JSON.parse(result.stdout) as ListNode[];
    return parsed[0];
  } catch {
    return undefined;
  }
}

function crossCheck(tree: TreeFootprint, node: ListNode | undefined): TreeFootprint {
  if (!node) return tree;
  const ids = listIds(node, new Set());
  const mine = new Set(tree.dependencies.map(dep => `${dep.name}@${dep.version}`));
  const agrees = ids.size === mine.size && [...ids].every(id => mine.has(id));
  return { ...tree, pnpmList: { count: ids.size, agrees } };
}

export interface Footprint {
  core: TreeFootprint;
  sdk: TreeFootprint;
}

/** The core's production tree and alipay-sdk's, as installed under bench/. */
export function measureFootprint(): Footprint {
  const coreDir = join(BENCH_DIR, 'node_modules', '@alipay-commerce', 'core');
  const sdkDir = join(BENCH_DIR, 'node_modules', 'alipay-sdk');
  const core = crossCheck(walkTree(coreDir), pnpmList(realpathSync(coreDir), ['--prod']));
  const benchList = pnpmList(BENCH_DIR, ['--dev']);
  const sdk = crossCheck(walkTree(sdkDir), benchList?.devDependencies?.['alipay-sdk']);
  return { core, sdk };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function summaryRow(label: string, tree: TreeFootprint): string[] {
  const check = tree.pnpmList
    ? `${tree.pnpmList.count} (${tree.pnpmList.agrees ? 'same set' : 'DIFFERS'})`
    : 'n/a';
  return [
    label,
    `${tree.root.name}@${tree.root.version}`,
    String(tree.dependencies.length),
    check,
    formatBytes(tree.root.bytes),
    formatBytes(tree.dependencyBytes),
    formatBytes(tree.root.bytes + tree.dependencyBytes),
  ];
}

export const FOOTPRINT_HEADER = [
  'tree',
  'package',
  'runtime deps',
  'pnpm list',
  'own size',
  'deps size',
  'total',
];

export function footprintRows(footprint: Footprint): string[][] {
  return [summaryRow('core', footprint.core), summaryRow('alipay-sdk', footprint.sdk)];
}

/** One line per tree: every dependency as name@version (size). */
export function footprintDetails(footprint: Footprint): string[] {
  return [footprint.core, footprint.sdk].map(
    tree =>
      `${tree.root.name}: ${tree.dependencies.map(dep => `${dep.name}@${dep.version} (${formatBytes(dep.bytes)})`).join(', ')}`,
  );
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const footprint = measureFootprint();
  const rows = [FOOTPRINT_HEADER, ...footprintRows(footprint)];
  const widths = FOOTPRINT_HEADER.map((_, c) => Math.max(...rows.map(r => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log('');
  for (const line of footprintDetails(footprint)) console.log(line);
}
