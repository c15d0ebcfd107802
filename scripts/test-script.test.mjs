/**
 * The root `pnpm test` chain after it was split for CI time (scripts/side-by-side.mjs): every suite still
 * runs, once. The Medusa and Vendure plugins' tests run by name; every other package's tests through
 * `test:no-shop`, which excludes exactly those two (so a new package's tests are not left out).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** The package a `pnpm --filter <name> test` script runs. */
const filteredPackage = script => /^pnpm --filter (\S+) test$/.exec(scripts[script])?.[1];

test('pnpm test runs each suite once, in the documented steps', () => {
  const steps = scripts.test.split(' && ');
  for (const step of [
    'pnpm build',
    'pnpm test:packages',
    'pnpm release:dry-run',
    'pnpm lint',
    'node scripts/side-by-side.mjs test:medusa test:no-shop-then-vendure',
    'pnpm test:e2e',
    'pnpm test:reliability',
    'node scripts/side-by-side.mjs test:topology test:install',
  ]) {
    assert.equal(steps.filter(s => s === step).length, 1, `${step} in: ${scripts.test}`);
  }
  assert.equal(steps.at(-1), 'node scripts/side-by-side.mjs test:topology test:install');
});

test('the Vendure plugin tests run beside the Medusa specs, after the suites that start no shop', () => {
  assert.equal(scripts['test:no-shop-then-vendure'], 'pnpm test:no-shop && pnpm test:vendure');
});

test('test:no-shop runs every package test except the two plugins, which run by name', () => {
  const plugins = [filteredPackage('test:medusa'), filteredPackage('test:vendure')];
  assert.deepEqual(plugins, ['@alipay-commerce/medusa', '@alipay-commerce/vendure']);
  assert.match(scripts['test:no-shop'], /^pnpm -r --workspace-concurrency=1 (--filter "![^"]+" )+test$/);
  const excluded = [...scripts['test:no-shop'].matchAll(/--filter "!([^"]+)"/g)].map(m => m[1]);
  assert.deepEqual(excluded.sort(), plugins.sort());
});
