import { createHash, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { TextDecoder } from 'node:util';
import type { OpenApiConfig } from '@alipay-commerce/core';
import { AlipaySdk } from 'alipay-sdk';
import {
  APP_ID,
  type BenchKeys,
  formFixture,
  generateKeys,
  legacyNotification,
  MD5_KEY,
  openApiNotification,
  PAGE_PAY_BIZ_CONTENT,
  PAGE_PAY_ORDER,
  referenceSignString,
} from './fixtures.js';
import {
  BENCH_DIR,
  FOOTPRINT_HEADER,
  type Footprint,
  footprintDetails,
  footprintRows,
  measureFootprint,
} from './footprint.js';
import { hasGc, type RunOptions, runCase, sinkValue } from './harness.js';

import {
  type Case,
  CPU_NOTE,
  cpuModel,
  HEADER,
  markdownTable,
  opsText,
  packageVersion,
  type Row,
  ratioText,
  rowCells,
  summarize,
  textTable,
  type Verdict,
} from './report.js';

/* ------------------------------------------------------------------------------------------------ */
/* Options                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const numberOption = (name: string, fallback: number): number => {
  const index = argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const QUICK = flag('quick');
const OPTIONS: RunOptions = {
  warmupMs: numberOption('warmup', QUICK ? 100 : 400),
  rounds: numberOption('rounds', QUICK ? 3 : 11),
  sliceMs: numberOption('slice', QUICK ? 60 : 160),
};
/**
 * BENCH_CORE=/abs/path/to/index.js benchmarks a candidate build of the core instead of the workspace one
 * (to measure a proposed change without touching packages/core); results go to micro-<date>-candidate.*.
 * The `primitives.js` next to it is loaded too, when the candidate has one.
 */
const CORE_OVERRIDE = process.env['BENCH_CORE'];
/** BENCH_CORE_LABEL: what the candidate is (e.g. which patch), for the results file. */
const CORE_LABEL = process.env['BENCH_CORE_LABEL'];
const WRITE = !flag('no-write') && !QUICK;
const RESULT_SUFFIX = CORE_OVERRIDE ? '-candidate' : '';

type Core = typeof import('@alipay-commerce/core') & typeof import('@alipay-commerce/core/primitives');
async function loadCore(): Promise<Core> {
  // The config parser is in the main entry; signing, parsing and the clients under ./primitives (issue 18).
  const primitives = CORE_OVERRIDE
    ? join(dirname(CORE_OVERRIDE), 'primitives.js')
    : '@alipay-commerce/core/primitives';
  try {
    const main = await import(CORE_OVERRIDE ?? '@alipay-commerce/core');
    // A candidate built before the primitives subpath existed exports everything from its main entry.
    const below = CORE_OVERRIDE && !existsSync(primitives) ? {} : await import(primitives);
    return { ...main, ...below } as Core;
  } catch (error) {
    console.error(
      `cannot load ${CORE_OVERRIDE ?? '@alipay-commerce/core'}: build it first ` +
        '(pnpm --filter @alipay-commerce/core build).',
    );
    throw error;
  }
}
const core = await loadCore();
const {
  md5Sign,
  md5Verify,
  OpenApiClient,
  openApiSignString,
  parseAlipayConfig,
  parseFormBody,
  verifyOpenApiNotification,
} = core;

/* ------------------------------------------------------------------------------------------------ */
/* Correctness checks: a benchmark of a wrong answer is worthless                                   */
/* ------------------------------------------------------------------------------------------------ */

const failures: string[] = [];
function check(label: string, ok: boolean): void {
  if (!ok) failures.push(label);
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** Verifies a signed OpenAPI GET URL the way Alipay's gateway does: every query parameter but `sign`. */
function urlVerifies(url: string, keys: BenchKeys): { ok: boolean; params: Record<string, string> } {
  const params = Object.fromEntries(new URL(url).searchParams);
  const sign = params['sign'];
  if (!sign) return { ok: false, params };
  const content = referenceSignString(params, ['sign']);
  const ok = cryptoVerify(
    'sha256',
    Buffer.from(content, 'utf8'),
    keys.appPublicKey,
    Buffer.from(sign, 'base64'),
  );
  return { ok, params };
}

/* ------------------------------------------------------------------------------------------------ */
/* Cases                                                                                            */
/* ------------------------------------------------------------------------------------------------ */

function buildCases(keys: BenchKeys): Case[] {
  const sdk = new AlipaySdk({
    appId: APP_ID,
    privateKey: keys.appPrivateBase64,
    alipayPublicKey: keys.alipayPublicBase64,
    keyType: 'PKCS1',
  });
  const config = parseAlipayConfig({
    generation: 'openapi',
    products: ['page'],
    appId: APP_ID,
    appPrivateKey: keys.appPrivateBase64,
    alipayPublicKey: keys.alipayPublicBase64,
  }) as OpenApiConfig;
  const client = new OpenApiClient({ config });

  /* 1. RSA2 notification verification ------------------------------------------------------------ */
  const notification = openApiNotification(keys);
  const tampered = { ...notification, total_amount: '0.01' };
  // The floor: crypto.verify over the already-built canonical bytes with a cached KeyObject.
  const notifyBytes = Buffer.from(referenceSignString(notification, ['sign', 'sign_type']), 'utf8');
  const notifySig = Buffer.from(notification['sign']!, 'base64');
  const coreVerify = (p: Record<string, string>) => verifyOpenApiNotification(p, keys.alipayPublicBase64);
  check('verify: core accepts the notification', coreVerify(notification) === true);
  check('verify: core refuses a tampered notification', coreVerify(tampered) === false);
  check('verify: alipay-sdk checkNotifySign accepts', sdk.checkNotifySign({ ...notification }) === true);
  check(
    'verify: alipay-sdk checkNotifySign refuses tampered',
    sdk.checkNotifySign({ ...tampered }) === false,
  );
  check('verify: alipay-sdk checkNotifySignV2 accepts', sdk.checkNotifySignV2({ ...notification }) === true);
  check(
    'verify: bare crypto.verify accepts',
    cryptoVerify('sha256', notifyBytes, keys.alipayPublicKey, notifySig) === true,
  );

  /* 2. Page-pay URL --------------------------------------------------------------------------------- */
  const sdkPagePay = () =>
    sdk.pageExec('alipay.trade.page.pay', {
      method: 'GET',
      bizContent: PAGE_PAY_BIZ_CONTENT,
      notifyUrl: PAGE_PAY_ORDER.notifyUrl,
      returnUrl: PAGE_PAY_ORDER.returnUrl,
    });
  const coreRequest = client.pagePay(PAGE_PAY_ORDER);
  const coreUrl = urlVerifies(coreRequest.url, keys);
  const sdkUrl = urlVerifies(sdkPagePay(), keys);
  check('page-pay: the core URL verifies with the app public key', coreUrl.ok);
  check('page-pay: the alipay-sdk URL verifies with the app public key', sdkUrl.ok);
  check(
    'page-pay: core and alipay-sdk send the same biz_content',
    sameRecord(
      JSON.parse(coreUrl.params['biz_content'] ?? '{}') as Record<string, string>,
      JSON.parse(sdkUrl.params['biz_content'] ?? '{}') as Record<string, string>,
    ),
  );
  check(
    'page-pay: core and alipay-sdk send the same notify_url and return_url',
    coreUrl.params['notify_url'] === sdkUrl.params['notify_url'] &&
      coreUrl.params['return_url'] === sdkUrl.params['return_url'],
  );
  // The floor: one RSA2 signature over the core's own canonical string, cached KeyObject.
  const pageBytes = Buffer.from(openApiSignString(coreRequest.params), 'utf8');
  const bareSign = () => cryptoSign('sha256', pageBytes, keys.appPrivateKey).toString('base64');
  check(
    'page-pay: bare crypto.sign equals the core signature (PKCS#1 v1.5 is deterministic)',
    bareSign() === coreRequest.params['sign'],
  );

  /* 3. MD5 sign / verify ---------------------------------------------------------------------------- */
  const legacy = legacyNotification();
  const legacyTampered = { ...legacy, total_fee: '0.01' };
  const md5Bytes = Buffer.from(referenceSignString(legacy, ['sign', 'sign_type']) + MD5_KEY, 'utf8');
  const bareMd5 = () => createHash('md5').update(md5Bytes).digest('hex');
  // Not a target, for context: canonicalization written inline plus the hash.
  const inlineMd5 = (p: Record<string, string>) =>
    createHash('md5')
      .update(referenceSignString(p, ['sign', 'sign_type']) + MD5_KEY, 'utf8')
      .digest('hex');
  check('md5: core md5Sign equals the bare hash', md5Sign(legacy, MD5_KEY) === bareMd5());
  check('md5: the bare hash equals the notification sign', bareMd5() === legacy['sign']);
  check('md5: core md5Verify accepts', md5Verify(legacy, MD5_KEY) === true);
  check('md5: core md5Verify refuses tampered', md5Verify(legacyTampered, MD5_KEY) === false);

  /* 4. Form parsing ----------------------------------------------------------------------------------- */
  const utf8 = formFixture(keys, 'utf-8');
  const gbk = formFixture(keys, 'gbk');
  const urlSearchParams = (body: Buffer) => Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  const gbkDecoder = new TextDecoder('gbk');
  const bareGbk = (body: Buffer) => bareFormDecode(body, gbkDecoder);
  check(
    'form utf-8: core parseFormBody',
    sameRecord(parseFormBody(utf8.body, utf8.contentType), utf8.expected),
  );
  check('form utf-8: URLSearchParams', sameRecord(urlSearchParams(utf8.body), utf8.expected));
  check('form gbk: core parseFormBody', sameRecord(parseFormBody(gbk.body, gbk.contentType), gbk.expected));
  check('form gbk: bare TextDecoder(gbk)', sameRecord(bareGbk(gbk.body), gbk.expected));
  check('form gbk: the body really is GBK (not UTF-8)', !gbk.body.equals(utf8.body));

  return [
    {
      id: 'notify-verify',
      title: 'RSA2 notification verification (26 fields)',
      targets: [
        { against: 'sdk', min: 10 },
        { against: 'floor', min: 0.8 },
      ],
      impls: [
        { name: 'core verifyOpenApiNotification', role: 'core', fn: () => coreVerify(notification) },
        // The SDK deletes from a copy it makes itself; it does not mutate its argument.
        { name: 'alipay-sdk checkNotifySign', role: 'sdk', fn: () => sdk.checkNotifySign(notification) },
        { name: 'alipay-sdk checkNotifySignV2', role: 'info', fn: () => sdk.checkNotifySignV2(notification) },
        {
          name: 'bare crypto.verify (cached key)',
          role: 'floor',
          fn: () => cryptoVerify('sha256', notifyBytes, keys.alipayPublicKey, notifySig),
        },
      ],
    },
    {
      id: 'page-pay',
      title: 'Page-pay URL (alipay.trade.page.pay, GET)',
      targets: [
        { against: 'sdk', min: 3 },
        { against: 'floor', min: 0.8 },
      ],
      note: 'the core builds the URL and the auto-submit form; alipay-sdk GET builds the URL only',
      impls: [
        { name: 'core OpenApiClient#pagePay', role: 'core', fn: () => client.pagePay(PAGE_PAY_ORDER) },
        { name: 'alipay-sdk pageExec GET', role: 'sdk', fn: sdkPagePay },
        { name: 'bare crypto.sign (cached key)', role: 'floor', fn: bareSign },
      ],
    },
    {
      id: 'md5-sign',
      title: 'MD5 sign, legacy notification (22 fields)',
      targets: [{ against: 'floor', min: 0.5 }],
      note: 'alipay-sdk has no MD5 (legacy mapi) support',
      impls: [
        { name: 'core md5Sign', role: 'core', fn: () => md5Sign(legacy, MD5_KEY) },
        { name: 'bare createHash(md5) (prebuilt bytes)', role: 'floor', fn: bareMd5 },
        { name: 'inline sort+join+md5 (no library)', role: 'info', fn: () => inlineMd5(legacy) },
      ],
    },
    {
      id: 'md5-verify',
      title: 'MD5 verify, legacy notification (22 fields)',
      targets: [{ against: 'floor', min: 0.5 }],
      impls: [
        { name: 'core md5Verify', role: 'core', fn: () => md5Verify(legacy, MD5_KEY) },
        { name: 'bare createHash(md5) === sign', role: 'floor', fn: () => bareMd5() === legacy['sign'] },
      ],
    },
    {
      id: 'form-utf8',
      title: `Form body parsing, UTF-8 (${utf8.body.length} bytes)`,
      targets: [],
      note: 'no target; alipay-sdk does not parse bodies (the web framework does)',
      impls: [
        {
          name: 'core parseFormBody',
          role: 'core',
          fn: () => parseFormBody(utf8.body, utf8.contentType),
        },
        { name: 'URLSearchParams → object', role: 'floor', fn: () => urlSearchParams(utf8.body) },
      ],
    },
    {
      id: 'form-gbk',
      title: `Form body parsing, GBK (${gbk.body.length} bytes)`,
      targets: [],
      note: 'no target; URLSearchParams cannot decode GBK',
      impls: [
        { name: 'core parseFormBody', role: 'core', fn: () => parseFormBody(gbk.body, gbk.contentType) },
        { name: 'bare split + %XX + TextDecoder(gbk)', role: 'floor', fn: () => bareGbk(gbk.body) },
      ],
    },
  ];
}

/** The bare GBK form decoder: split on & and =, `+` → space, %XX → byte, then TextDecoder('gbk'). */
function bareFormDecode(body: Buffer, decoder: TextDecoder): Record<string, string> {
  const out: Record<string, string> = {};
  const text = body.toString('latin1');
  const decode = (s: string): string => {
    if (!s.includes('%') && !s.includes('+')) return s;
    const bytes = Buffer.allocUnsafe(s.length);
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x2b) bytes[n++] = 0x20;
      else if (c === 0x25) {
        bytes[n++] = Number.parseInt(s.slice(i + 1, i + 3), 16);
        i += 2;
      } else bytes[n++] = c;
    }
    return decoder.decode(bytes.subarray(0, n));
  };
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) out[decode(pair)] = '';
    else out[decode(pair.slice(0, eq))] = decode(pair.slice(eq + 1));
  }
  return out;
}

/* ------------------------------------------------------------------------------------------------ */
/* Main                                                                                             */
/* ------------------------------------------------------------------------------------------------ */

function main(): number {
  const started = Date.now();
  const loadBefore = loadavg();
  if (!hasGc())
    console.warn('note: run with --expose-gc (pnpm bench does) to collect garbage between slices');

  const keygenStart = Date.now();
  const keys = generateKeys();
  const keygenMs = Date.now() - keygenStart;
  const cases = buildCases(keys);
  if (failures.length > 0) {
    console.error('Correctness checks FAILED — nothing timed:');
    for (const f of failures) console.error(`  ✗ ${f}`);
    return 2;
  }
  if (CORE_OVERRIDE) console.log(`core: candidate build ${CORE_OVERRIDE} (BENCH_CORE)`);
  console.log(`correctness: all checks pass (keys generated in ${keygenMs} ms)`);
  console.log(
    `method: ${OPTIONS.rounds} interleaved rounds × ${OPTIONS.sliceMs} ms per implementation, ` +
      `${OPTIONS.warmupMs} ms warm-up; medians; ratios = median of per-round ratios\n`,
  );

  const rows: Row[] = [];
  const verdicts: Verdict[] = [];
  const notes: string[] = [];
  for (const c of cases) {
    const results = runCase(c.impls, OPTIONS);
    const summary = summarize(c, results);
    rows.push(...summary.rows);
    verdicts.push(...summary.verdicts);
    if (c.note) notes.push(`${c.title}: ${c.note}`);
    const width = Math.max(...summary.rows.map(r => r.impl.length));
    for (const r of summary.rows) {
      console.log(`  ${c.id.padEnd(14)} ${r.impl.padEnd(width)} ${opsText(r.opsPerSec).padStart(12)} ops/s`);
    }
  }
  const loadAfter = loadavg();

  let footprint: Footprint | undefined;
  try {
    footprint = measureFootprint();
  } catch (error) {
    console.warn(`footprint: ${(error as Error).message}`);
  }

  const body = rows.map((row, i) => rowCells(row, i === 0 || rows[i - 1]!.caseTitle !== row.caseTitle));
  const table = textTable(HEADER, body);
  const passed = verdicts.filter(v => v.pass).length;
  const elapsedS = ((Date.now() - started) / 1000).toFixed(1);
  const machine = [
    `CPU: ${cpuModel()}; ${cpus().length} logical cores visible; ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `Node ${process.version} (V8 ${process.versions.v8}, OpenSSL ${process.versions.openssl}), ${process.platform}/${process.arch}`,
    `@alipay-commerce/core ${packageVersion(join(BENCH_DIR, 'node_modules', '@alipay-commerce', 'core'))}${CORE_OVERRIDE ? ` — CANDIDATE BUILD ${CORE_LABEL ?? CORE_OVERRIDE} (BENCH_CORE), not the workspace dist` : ''}, alipay-sdk ${packageVersion(join(BENCH_DIR, 'node_modules', 'alipay-sdk'))}`,
    `load average (1/5/15 min) before: ${loadBefore.map(l => l.toFixed(2)).join(' / ')}; after: ${loadAfter
      .map(l => l.toFixed(2))
      .join(' / ')}`,
  ];

  console.log(`\n${table}\n`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(
    `IQR: half the interquartile range of the per-round ops/s, relative to the median. ${CPU_NOTE}`,
  );
  if (footprint) {
    console.log(`\nInstall footprint (runtime dependency trees, sum of file sizes):\n`);
    console.log(textTable(FOOTPRINT_HEADER, footprintRows(footprint)));
  }
  console.log(`\n${machine.join('\n')}`);
  console.log(
    `\ntargets: ${passed}/${verdicts.length} pass; ${elapsedS} s total${hasGc() ? '' : ' (no --expose-gc)'}; sink ${sinkValue() % 997}`,
  );
  const busy = rows.filter(r => r.cpuShare !== undefined && r.cpuShare < 0.9);
  if (busy.length > 0) {
    console.log(
      `  machine busy (cpu < 90%) during: ${busy.map(r => r.impl).join('; ')} — re-run for firmer numbers`,
    );
  }
  for (const v of verdicts.filter(v => !v.pass)) {
    console.log(`  FAIL ${v.caseTitle}: ${v.target}, measured ${ratioText(v.measured)}`);
  }

  if (WRITE) {
    const date = new Date().toISOString().slice(0, 10);
    const dir = join(BENCH_DIR, 'results');
    mkdirSync(dir, { recursive: true });
    const md = [
      `# Micro-benchmark ${date}${CORE_OVERRIDE ? ' — candidate core build' : ''}`,
      '',
      'Generated by `pnpm bench` (bench/src/micro.ts). How to read it: see [../README.md](../README.md).',
      '',
      '## Machine',
      '',
      ...machine.map(m => `- ${m}`),
      `- Method: ${OPTIONS.rounds} interleaved rounds × ${OPTIONS.sliceMs} ms per implementation after ${OPTIONS.warmupMs} ms warm-up, GC between slices${hasGc() ? '' : ' (not available)'}; ops/s are medians, ratios are medians of per-round ratios; ${elapsedS} s in all.`,
      '',
      '## Results',
      '',
      markdownTable(HEADER, body),
      '',
      ...notes.map(n => `- ${n}`),
      `- IQR: half the interquartile range of the per-round ops/s, relative to the median. ${CPU_NOTE}`,
      '',
      `Targets: ${passed}/${verdicts.length} pass${
        verdicts.some(v => !v.pass)
          ? ` (FAIL: ${verdicts
              .filter(v => !v.pass)
              .map(v => `${v.caseTitle}: ${v.target}, measured ${ratioText(v.measured)}`)
              .join('; ')})`
          : ''
      }.${busy.length > 0 ? ` Machine busy (cpu < 90%) during: ${busy.map(r => r.impl).join('; ')}.` : ''}`,
      '',
      ...(footprint
        ? [
            '## Install footprint',
            '',
            'Runtime (production) dependency trees, transitive, unique by name@version, resolved from the installed `node_modules` and cross-checked with `pnpm list`; sizes are sums of file sizes (the core counts its published `files`: dist with source maps, README).',
            '',
            markdownTable(FOOTPRINT_HEADER, footprintRows(footprint)),
            '',
            ...footprintDetails(footprint).map(d => `- ${d}`),
            '',
          ]
        : []),
    ].join('\n');
    writeFileSync(join(dir, `micro-${date}${RESULT_SUFFIX}.md`), md);
    writeFileSync(
      join(dir, `micro-${date}${RESULT_SUFFIX}.json`),
      `${JSON.stringify({ date, machine, options: OPTIONS, rows, verdicts, footprint }, null, 2)}\n`,
    );
    console.log(`\nwrote results/micro-${date}${RESULT_SUFFIX}.md and .json`);
  }
  return verdicts.every(v => v.pass) ? 0 : 1;
}

process.exitCode = main();
