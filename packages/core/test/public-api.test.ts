/**
 * The main entry stays curated (issue 18): the facade, events, errors, notification intake, settings and
 * money, at most 60 runtime values. Signing and parsing go under `./primitives`, the lifecycle policy
 * under `./lifecycle`; each subpath is built and declared in package.json for every resolution mode.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as main from '../src/index';
import * as lifecycle from '../src/lifecycle';
import * as primitives from '../src/primitives';

/** The most runtime values the main entry may export (issue 18, "Done when"). */
const MAX_MAIN_VALUES = 60;

const pkg = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  typesVersions: { '*': Record<string, string[]> };
};

describe('public API of @alipay-commerce/core', () => {
  it(`the main entry exports at most ${MAX_MAIN_VALUES} runtime values`, () => {
    const values = Object.keys(main);
    expect(values.length, values.join(' ')).toBeLessThanOrEqual(MAX_MAIN_VALUES);
    // What every adapter and the Express example are built from is there.
    for (const name of [
      'createAlipay',
      'settingsToConfig',
      'readRequestBody',
      'peekNotification',
      'AlipayError',
    ]) {
      expect(values).toContain(name);
    }
  });

  it('signing and parsing primitives are not in the main entry, but under ./primitives', () => {
    for (const name of [
      'md5Sign',
      'rsaSign',
      'rsaVerify',
      'buildSignString',
      'parseFormBody',
      'encodeText',
    ]) {
      expect(Object.keys(main)).not.toContain(name);
      expect(Object.keys(primitives)).toContain(name);
    }
  });

  it('the lifecycle policy is under ./lifecycle, not in the main entry', () => {
    for (const name of ['decideTradeEvent', 'runTradeLifecycle', 'planRefund', 'RECONCILE_AFTER_MS']) {
      expect(Object.keys(main)).not.toContain(name);
      expect(Object.keys(lifecycle)).toContain(name);
    }
  });

  it.each(['settings', 'lifecycle', 'primitives'])(
    'package.json declares ./%s for import, require and node10 resolution',
    subpath => {
      expect(pkg.exports[`./${subpath}`]).toEqual({
        import: { types: `./dist/${subpath}.d.ts`, default: `./dist/${subpath}.js` },
        require: { types: `./dist/${subpath}.d.cts`, default: `./dist/${subpath}.cjs` },
      });
      expect(pkg.typesVersions['*'][subpath]).toEqual([`./dist/${subpath}.d.cts`]);
    },
  );
});
