/**
 * The declared-imports check of `pnpm test:packages` (scripts/check-packages.mjs), on made-up files: it
 * needs no build. publint and attw run over the real tarballs in `pnpm test:packages` itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findUndeclaredImports, importedPackages, PACKAGE_CHECKS, packageNameOf } from './check-packages.mjs';
import { PUBLISHED_PACKAGE_DIRS } from './pack-packages.mjs';

test('packageNameOf: scoped and unscoped packages, subpaths; no builtins or relative paths', () => {
  assert.equal(packageNameOf('@medusajs/framework/utils'), '@medusajs/framework');
  assert.equal(packageNameOf('react/jsx-runtime'), 'react');
  assert.equal(packageNameOf('express'), 'express');
  assert.equal(packageNameOf('./alipay.service'), undefined);
  assert.equal(packageNameOf('node:crypto'), undefined);
  assert.equal(packageNameOf('crypto'), undefined);
  assert.equal(packageNameOf('fs/promises'), undefined);
});

test('importedPackages: ES imports, re-exports, side-effect imports, require, import(), type references', () => {
  const text = [
    "import { jsx } from 'react/jsx-runtime';",
    'import {',
    '  defineWidgetConfig,',
    '} from "@medusajs/admin-sdk";',
    'import "@medusajs/admin-shared";',
    "export * from '@alipay-commerce/core';",
    "const utils_1 = require('@medusajs/framework/utils');",
    "type T = import('@vendure/core/dist/common/configurable-operation').X;",
    '/// <reference types="qrcode" />',
    '/// <reference types="node" />',
    "import { readFile } from 'node:fs/promises';",
  ].join('\n');
  assert.deepEqual(
    [...importedPackages(text)].sort(),
    [
      '@alipay-commerce/core',
      '@medusajs/admin-sdk',
      '@medusajs/admin-shared',
      '@medusajs/framework',
      '@vendure/core',
      'qrcode',
      'react',
    ].sort(),
  );
});

test('importedPackages: SQL in strings and code examples in comments are no imports', () => {
  const text = [
    'const rows = await manager.execute(`select * from "alipay_trade" where "id" = ?`);',
    'const sql = \'delete from "alipay_refund"\';',
    '/**',
    " * import { AlipayPlugin } from '@alipay-commerce/vendure';",
    " * const x = require('left-pad');",
    ' */',
    "// import express from 'express';",
  ].join('\n');
  assert.deepEqual([...importedPackages(text)], []);
});

test('findUndeclaredImports: an import of an undeclared package is reported with its file', () => {
  const manifest = {
    name: '@alipay-commerce/medusa',
    dependencies: { '@alipay-commerce/core': '0.1.0' },
    peerDependencies: { '@medusajs/admin-sdk': '2.21.x', react: '^18.3.1' },
  };
  const files = [
    {
      path: '.medusa/server/src/admin/index.mjs',
      text: 'import "@medusajs/admin-shared";\nimport { jsx } from "react/jsx-runtime";\nimport { defineWidgetConfig } from "@medusajs/admin-sdk";\nimport { SECRET_SETTINGS } from "@alipay-commerce/core/settings";',
    },
    // src/ ships for the source maps only: not loaded, not checked.
    { path: 'src/admin/index.tsx', text: "import '@medusajs/admin-shared';" },
  ];
  assert.deepEqual(findUndeclaredImports(manifest, files), [
    { path: '.medusa/server/src/admin/index.mjs', name: '@medusajs/admin-shared' },
  ]);
});

test('findUndeclaredImports: a declaration file may use the types of a declared @types package', () => {
  const manifest = { name: 'x', peerDependencies: { '@types/express': '*' } };
  const dts = { path: 'dist/a.d.ts', text: "import type { Request } from 'express';" };
  const js = { path: 'dist/a.js', text: "const express = require('express');" };
  assert.deepEqual(findUndeclaredImports(manifest, [dts]), []);
  assert.deepEqual(findUndeclaredImports(manifest, [js]), [{ path: 'dist/a.js', name: 'express' }]);
  assert.deepEqual(findUndeclaredImports({ name: 'x' }, [dts]), [{ path: 'dist/a.d.ts', name: 'express' }]);
});

test('every published package has its attw profile configured', async () => {
  const { readFile } = await import('node:fs/promises');
  for (const dir of PUBLISHED_PACKAGE_DIRS) {
    const { name } = JSON.parse(await readFile(`${dir}/package.json`, 'utf8'));
    assert.ok(PACKAGE_CHECKS[name], `${name} has no entry in PACKAGE_CHECKS`);
  }
});
