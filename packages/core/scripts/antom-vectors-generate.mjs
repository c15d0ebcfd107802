#!/usr/bin/env node
// Regenerates packages/core/test/vectors/antom-signatures.json: Antom signature golden vectors signed with
// the OpenSSL command line (not with our own code, so the golden test checks the core against an
// independent signer), from the fixed test key pairs in test/vectors/antom-keys/. PKCS#1 v1.5 is
// deterministic, so the same inputs always give the same vectors. Cross-check them with the official
// Python SDK: scripts/antom-vectors-crosscheck.py.
//
// Usage: node packages/core/scripts/antom-vectors-generate.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const SANDBOX = 'SANDBOX_5Y3A2N2YEB3D0AB4';
const LIVE = '2188120000000001';
const pay = {
  productCode: 'CASHIER_PAYMENT',
  paymentRequestId: 'order-1001-attempt-1',
  order: {
    referenceOrderId: 'order-1001',
    orderDescription: 'Blue mug',
    orderAmount: { currency: 'USD', value: '1099' },
  },
  paymentAmount: { currency: 'USD', value: '1099' },
  paymentMethod: { paymentMethodType: 'ALIPAY_CN' },
  paymentRedirectUrl: 'https://shop.example/checkout/return?order=1001',
  paymentNotifyUrl: 'https://shop.example/antom/notify',
  env: { terminalType: 'WEB' },
};

/** @type {Array<{name: string, kind: string, key: string, path: string, clientId: string, time: string, body: string, keyVersion?: string}>} */
const cases = [
  {
    name: 'request: pay, sandbox client ID and path, compact JSON',
    kind: 'request',
    key: 'merchant',
    path: '/ams/sandbox/api/v1/payments/pay',
    clientId: SANDBOX,
    time: '2026-12-06T10:00:00+00:00',
    body: JSON.stringify(pay),
  },
  {
    name: 'request: pay, live path, body with non-ASCII text (Chinese, Japanese, emoji)',
    kind: 'request',
    key: 'merchant',
    path: '/ams/api/v1/payments/pay',
    clientId: LIVE,
    time: '2026-12-06T10:00:01+00:00',
    body: JSON.stringify({
      ...pay,
      paymentRequestId: 'order-1002-attempt-1',
      order: { ...pay.order, referenceOrderId: 'order-1002', orderDescription: '蓝色马克杯 ブルーマグ ☕️' },
    }),
  },
  {
    name: 'request: path with a query string (signed as sent)',
    kind: 'request',
    key: 'merchant',
    path: '/ams/api/v1/payments/inquiryPayment?lang=zh_CN&trace=a%2Fb',
    clientId: LIVE,
    time: '2026-12-06T10:00:02+00:00',
    body: JSON.stringify({ paymentRequestId: 'order-1001-attempt-1' }),
  },
  {
    name: 'request: refund, key version 2, SDK-style indented JSON (newlines in the body)',
    kind: 'request',
    key: 'merchant',
    keyVersion: '2',
    path: '/ams/api/v1/payments/refund',
    clientId: LIVE,
    time: '2026-12-06T10:00:03+00:00',
    body: JSON.stringify(
      {
        refundRequestId: 'refund-1001-1',
        paymentId: '20261206194010800100188000000001',
        refundAmount: { currency: 'JPY', value: '1000' },
      },
      null,
      3,
    ),
  },
  {
    name: 'response: pay in process with normalUrl (Antom key)',
    kind: 'response',
    key: 'antom',
    path: '/ams/api/v1/payments/pay',
    clientId: LIVE,
    time: '2026-12-06T10:00:04.123+08:00',
    body: JSON.stringify({
      result: { resultCode: 'PAYMENT_IN_PROCESS', resultStatus: 'U', resultMessage: 'payment in process' },
      paymentRequestId: 'order-1001-attempt-1',
      paymentId: '20261206194010800100188000000001',
      normalUrl: 'https://open-na-global.alipay.com/cashier?token=abc+def/ghi==',
      paymentAmount: { currency: 'USD', value: '1099' },
    }),
  },
  {
    name: 'response: inquiry, non-ASCII result message (Antom key)',
    kind: 'response',
    key: 'antom',
    path: '/ams/sandbox/api/v1/payments/inquiryPayment',
    clientId: SANDBOX,
    time: '2026-12-06T10:00:05+00:00',
    body: JSON.stringify({
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: '成功' },
      paymentStatus: 'SUCCESS',
      paymentRequestId: 'order-1001-attempt-1',
      paymentId: '20261206194010800100188000000001',
      paymentAmount: { currency: 'USD', value: '1099' },
      paymentTime: '2026-12-06T18:00:05+08:00',
    }),
  },
  {
    name: 'notification: PAYMENT_RESULT to the public notify path (Antom key)',
    kind: 'notification',
    key: 'antom',
    path: '/shop/antom/notify',
    clientId: LIVE,
    time: '2026-12-06T10:01:00+00:00',
    body: JSON.stringify({
      notifyType: 'PAYMENT_RESULT',
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
      paymentRequestId: 'order-1001-attempt-1',
      paymentId: '20261206194010800100188000000001',
      paymentAmount: { currency: 'USD', value: '1099' },
      paymentCreateTime: '2026-12-06T18:00:00+08:00',
      paymentTime: '2026-12-06T18:00:05+08:00',
    }),
  },
  {
    name: 'notification: REFUND_RESULT with a query in the notify path and non-ASCII metadata (Antom key)',
    kind: 'notification',
    key: 'antom',
    path: '/antom/notify?channel=eu',
    clientId: LIVE,
    time: '2026-12-06T10:02:00+00:00',
    body: JSON.stringify({
      notifyType: 'REFUND_RESULT',
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'success' },
      refundStatus: 'SUCCESS',
      refundRequestId: 'refund-1001-1',
      refundId: '20261206194010800100188000000002',
      refundAmount: { currency: 'IDR', value: '1500000' },
      refundTime: '2026-12-06T18:02:00+08:00',
      metadata: 'Rückerstattung – 退款',
    }),
  },
];

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
