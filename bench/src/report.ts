/**
 * The micro benchmark's report: cases and their targets, the per-case rows (ops/s, spread, CPU share,
 * ratios against the SDK and the floor measured in the same run) and the text and Markdown tables.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type Impl, type ImplResult, pairedRatio } from './harness.js';

/** A target of a case: the core must reach `min` × the reference's ops/s. */
export interface Target {
  /** `sdk` or `floor`. */
  against: 'sdk' | 'floor';
  /** Minimal ratio core ÷ reference. */
  min: number;
}

/** One benchmarked operation and the implementations compared on it. */
export interface Case {
  id: string;
  title: string;
  impls: Impl[];
  targets: Target[];
  note?: string;
}

export interface Row {
  caseTitle: string;
  impl: string;
  opsPerSec: number;
  iqrRel: number;
  cpuShare: number | undefined;
  preemptionsPerSec: number | undefined;
  vsSdk?: number;
  vsFloor?: number;
  target: string;
  result: string;
}

export interface Verdict {
  caseTitle: string;
  target: string;
  measured: number;
  pass: boolean;
}

export function ratioText(value: number | undefined): string {
  if (value === undefined) return '—';
  return value >= 10 ? `${value.toFixed(1)}×` : `${value.toFixed(2)}×`;
}

export function opsText(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function summarize(c: Case, results: ImplResult[]): { rows: Row[]; verdicts: Verdict[] } {
  const sdk = results.find(r => r.impl.role === 'sdk');
  const floor = results.find(r => r.impl.role === 'floor');
  const rows: Row[] = [];
  const verdicts: Verdict[] = [];
  for (const r of results) {
    const row: Row = {
      caseTitle: c.title,
      impl: r.impl.name,
      opsPerSec: r.median,
      iqrRel: r.iqrRel,
      cpuShare: r.cpuShare,
      preemptionsPerSec: r.preemptionsPerSec,
      vsSdk: sdk && r !== sdk ? pairedRatio(r, sdk) : undefined,
      vsFloor: floor && r !== floor ? pairedRatio(r, floor) : undefined,
      target: '',
      result: '',
    };
    if (r.impl.role === 'core') {
      const texts: string[] = [];
      const outcomes: string[] = [];
      for (const t of c.targets) {
        const measured = t.against === 'sdk' ? row.vsSdk : row.vsFloor;
        const pass = measured !== undefined && measured >= t.min;
        texts.push(`≥${t.min}× ${t.against === 'sdk' ? 'SDK' : 'floor'}`);
        outcomes.push(pass ? 'PASS' : 'FAIL');
        verdicts.push({ caseTitle: c.title, target: texts.at(-1)!, measured: measured ?? 0, pass });
      }
      row.target = texts.length > 0 ? texts.join(', ') : '(none)';
      row.result = outcomes.join(', ');
    }
    rows.push(row);
  }
  return { rows, verdicts };
}

export const CPU_NOTE =
  'cpu: main-thread CPU time ÷ wall time over the timed slices (10 ms ticks); below ~90% the OS gave the ' +
  'core to other processes during the slices, i.e. the machine was busy and that row is less certain.';

export const HEADER = [
  'case',
  'impl',
  'ops/s (median)',
  'IQR',
  'cpu',
  'vs SDK',
  'vs floor',
  'target',
  'result',
];

export function rowCells(row: Row, showCase: boolean): string[] {
  return [
    showCase ? row.caseTitle : '',
    row.impl,
    opsText(row.opsPerSec),
    `±${((row.iqrRel * 100) / 2).toFixed(1)}%`,
    row.cpuShare === undefined ? 'n/a' : `${Math.round(row.cpuShare * 100)}%`,
    ratioText(row.vsSdk),
    ratioText(row.vsFloor),
    row.target,
    row.result,
  ];
}

export function textTable(header: string[], body: string[][]): string {
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map(r => [...r[c]!].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => {
        const pad = widths[c]! - [...cell].length;
        return c >= 2 && c <= 6 ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map(w => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(header: string[], body: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...body.map(r => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(info)?.[1];
    return `${model ?? 'unknown'}${mhz ? ` @ ${Math.round(Number(mhz))} MHz` : ''}`;
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

export function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}
