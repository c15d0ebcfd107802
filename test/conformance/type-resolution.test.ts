/**
 * `@alipay-commerce/core` and its `settings`, `lifecycle` and `primitives` subpaths resolve with types under every TypeScript module
 * resolution a shop may use (issue 17 item 11): `node10` (the `moduleResolution: "node"` of older
 * projects, which ignores `exports`), `node16` and `bundler`. Type-checks a two-line consumer in a
 * scratch folder inside this package, so that it finds the workspace's installed core.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const scratch = mkdtempSync(join(here, '.type-resolution-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const consumer = `import { createAlipay } from '@alipay-commerce/core';
import { type TradeDecision, decideTradeEvent } from '@alipay-commerce/core/lifecycle';
import { type AlipayCharset, encodeText, md5Sign } from '@alipay-commerce/core/primitives';
import { INTERFACE_TYPES, type InterfaceType } from '@alipay-commerce/core/settings';
export const first: InterfaceType = INTERFACE_TYPES[0];
export const make: typeof createAlipay = createAlipay;
export const decide: typeof decideTradeEvent = decideTradeEvent;
export type Decision = TradeDecision;
export const sign: typeof md5Sign = md5Sign;
export const bytes: (text: string, charset: AlipayCharset) => Uint8Array = encodeText;
`;

/** Type-checks the consumer with `options`; returns tsc's output ('' when clean). */
function typeCheck(name: string, options: Record<string, unknown>): string {
  writeFileSync(join(scratch, `${name}.ts`), consumer);
  writeFileSync(
    join(scratch, `${name}.json`),
    JSON.stringify({
      compilerOptions: { noEmit: true, strict: true, skipLibCheck: true, ...options },
      files: [`${name}.ts`],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, '-p', join(scratch, `${name}.json`)], { encoding: 'utf8' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('type resolution of @alipay-commerce/core', () => {
  it.each([
    ['node10', { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '5.0' }],
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])(
    'resolves the main entry, ./settings, ./lifecycle and ./primitives under moduleResolution %s',
    (name, options) => {
      expect(typeCheck(name, options)).toBe('');
    },
  );
});
