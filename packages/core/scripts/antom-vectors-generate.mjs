#!/usr/bin/env node
// Regenerates packages/core/test/vectors/antom-signatures.json: Antom signature golden vectors signed with
// the OpenSSL command line (not with our own code, so the golden test checks the core against an
// independent signer), from the fixed test key pairs in test/vectors/antom-keys/. PKCS#1 v1.5 is
// deterministic, so the same inputs always give the same vectors. Cross-check them with the official
// Python SDK: scripts/antom-vectors-crosscheck.py.
//
// Usage: node packages/core/scripts/antom-vectors-generate.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const core = join(dirname(fileURLToPath(import.meta.url)), '..');
const keys = join(core, 'test/vectors/antom-keys');
const out = join(core, 'test/vectors/antom-signatures.json');

const work = mkdtempSync(join(tmpdir(), 'antom-vectors-'));
function opensslSign(content, keyFile) {
  const file = join(work, 'content');
  writeFileSync(file, content);
  return execFileSync('openssl', ['dgst', '-sha256', '-sign', join(keys, keyFile), file]).toString('base64');
}

/**
 * The cases, as data (scripts/antom-vector-cases.json); each body is serialised here exactly as it is signed.
 * @type {Array<{name: string, kind: string, key: string, path: string, clientId: string, time: string, body: unknown, indent?: number, keyVersion?: string}>}
 */
const inputs = JSON.parse(readFileSync(join(core, 'scripts/antom-vector-cases.json'), 'utf8')).cases;
const cases = inputs.map(({ indent, ...c }) => ({ ...c, body: JSON.stringify(c.body, null, indent) }));

const vectors = cases.map(c => {
  const content = `POST ${c.path}\n${c.clientId}.${c.time}.${c.body}`;
  const signature = opensslSign(Buffer.from(content, 'utf8'), `${c.key}-private.pem`);
  const keyVersion = c.keyVersion ?? '1';
  return {
    ...c,
    keyVersion,
    content,
    signature,
    header: `algorithm=RSA256,keyVersion=${keyVersion},signature=${encodeURIComponent(signature)}`,
  };
});
rmSync(work, { recursive: true });

const withPlusAndSlash = vectors.filter(v => v.signature.includes('+') && v.signature.includes('/'));
if (withPlusAndSlash.length === 0) throw new Error('no vector signature holds both + and /; vary a body');

const file = {
  note: [
    'Antom (AMS) signature golden vectors. Antom publishes none with its own key, so these are made from two',
    'fixed 2048-bit test key pairs committed in antom-keys/ (merchant: requests; antom: responses and',
    'notifications; test keys only, never used anywhere else). Signed with the OpenSSL command line',
    '(openssl dgst -sha256 -sign: RSA PKCS#1 v1.5, SHA-256, deterministic) by scripts/antom-vectors-generate.mjs.',
    'content = "POST <path>\\n<client-id>.<time>.<body>" (UTF-8); signature = standard base64;',
    'header = the Signature header with the signature URL-encoded.',
    'Cross-checked with the official Python SDK (github.com/alipay/global-open-sdk-python at commit bd5072c,',
    'com/alipay/ams/api/tools/signature_tool.py sign/verify) by scripts/antom-vectors-crosscheck.py.',
  ].join(' '),
  sdk: { repository: 'alipay/global-open-sdk-python', commit: 'bd5072c' },
  keys: {
    merchant: { privateKey: 'antom-keys/merchant-private.pem', publicKey: 'antom-keys/merchant-public.pem' },
    antom: { privateKey: 'antom-keys/antom-private.pem', publicKey: 'antom-keys/antom-public.pem' },
  },
  vectors,
};
writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
console.log(
  `wrote ${vectors.length} vectors to ${out} (${withPlusAndSlash.length} with + and / in the signature)`,
);
