import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { extractSignedResponse, openApiResponseKey, verifyOpenApiResponse } from '../src/openapi/response';
import { publicKeyFromCert } from '../src/sign/cert';
import { rsaSign } from '../src/sign/rsa';
import { byId, fixture, type ResponseVector, vectors } from './fixtures/openapi/vectors';

const METHOD = 'alipay.trade.query';

function keyOf(vector: ResponseVector): string {
  if (vector.publicKeyFile) return fixture(vector.publicKeyFile);
  return publicKeyFromCert(fixture(vector.publicKeyCertFile!));
}

describe('openApiResponseKey', () => {
  it('replaces every dot with an underscore and appends _response', () => {
    expect(openApiResponseKey('alipay.trade.fastpay.refund.query')).toBe(
      'alipay_trade_fastpay_refund_query_response',
    );
  });
});

describe('extractSignedResponse: published answers', () => {
  it('cuts the alipay-sdk-nodejs-all file-upload answer and it verifies with the published key', () => {
    const vector = byId(vectors.responses, 'node-open-file-upload');
    const parts = extractSignedResponse(vector.raw!, vector.method);
    expect(parts?.content).toBe(
      '{"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"}',
    );
    expect(parts?.sign).toMatch(/^F\+LDzpTN/);
    expect(parts?.responseKey).toBe('alipay_open_file_upload_response');
    expect(verifyOpenApiResponse(vector.raw!, vector.method, keyOf(vector))).toBe(true);
  });

  it('keeps escaped \\/ byte for byte (a re-serialized text would not verify)', () => {
    const vector = byId(vectors.responses, 'node-image-upload-escaped-slashes');
    const parts = extractSignedResponse(vector.raw!, vector.method)!;
    expect(parts.content).toContain(
      '"image_url":"https:\\/\\/oalipay-dl-django.alicdn.com\\/rest\\/1.0\\/image?',
    );
    expect(verifyOpenApiResponse(vector.raw!, vector.method, keyOf(vector))).toBe(true);
    // What a parse-and-stringify implementation would verify instead: fails.
    const reserialized = JSON.stringify(JSON.parse(parts.content));
    expect(reserialized).not.toBe(parts.content);
    const body = vector.raw!.replace(parts.content, reserialized);
    expect(verifyOpenApiResponse(body, vector.method, keyOf(vector))).toBe(false);
  });

  it('verifies a signed business error with Chinese text (stable environment)', () => {
    const vector = byId(vectors.responses, 'node-stable-decryption-error');
    const parts = extractSignedResponse(vector.raw!, vector.method)!;
    expect(JSON.parse(parts.content)).toMatchObject({
      code: '40003',
      sub_code: 'isv.decryption-error-unknown',
    });
    expect(verifyOpenApiResponse(vector.raw!, vector.method, keyOf(vector))).toBe(true);
  });

  it('verifies yansongda’s sandbox transfer answer with the key of its Alipay certificate', () => {
    const vector = byId(vectors.responses, 'yansongda-fund-transfer-content');
    const raw = `{"alipay_fund_trans_uni_transfer_response":${vector.content},"alipay_cert_sn":"x","sign":"${vector.sign}"}`;
    expect(extractSignedResponse(raw, vector.method)?.alipayCertSn).toBe('x');
    expect(verifyOpenApiResponse(raw, vector.method, keyOf(vector))).toBe(true);
  });

  it('fails for each published answer when one character of the content changes', () => {
    for (const vector of vectors.responses.filter(v => v.raw)) {
      const tampered = vector.raw!.replace('"10000"', '"10001"').replace('"40003"', '"40004"');
      expect(tampered).not.toBe(vector.raw);
      expect(verifyOpenApiResponse(tampered, vector.method, keyOf(vector))).toBe(false);
    }
  });

  it('fails with another Alipay key (the app public key in the wrong slot, pitfall D1)', () => {
    const vector = byId(vectors.responses, 'node-open-file-upload');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(verifyOpenApiResponse(vector.raw!, vector.method, other)).toBe(false);
  });
});

describe('extractSignedResponse: shapes', () => {
  const content =
    '{"code":"10000","msg":"Success","nested":{"a":{"b":[1,{"c":"}"}]}},"text":"{not a brace}"}';

  it('handles nested objects and braces inside strings', () => {
    const raw = `{"alipay_trade_query_response":${content},"sign":"S"}`;
    expect(extractSignedResponse(raw, METHOD)).toEqual({
      content,
      sign: 'S',
      responseKey: 'alipay_trade_query_response',
      alipayCertSn: undefined,
    });
  });

  it('handles escaped quotes and backslashes inside strings', () => {
    const tricky = '{"code":"10000","msg":"a \\"quoted\\" }{ and a backslash \\\\","x":"\\\\"}';
    expect(JSON.parse(tricky).msg).toBe('a "quoted" }{ and a backslash \\');
    const raw = `{"alipay_trade_query_response":${tricky},"sign":"S"}`;
    expect(extractSignedResponse(raw, METHOD)?.content).toBe(tricky);
  });

  it('accepts the sign before the response key', () => {
    const raw = `{"sign":"S","alipay_cert_sn":"sn1","alipay_trade_query_response":${content}}`;
    expect(extractSignedResponse(raw, METHOD)).toMatchObject({ content, sign: 'S', alipayCertSn: 'sn1' });
  });

  it('accepts pretty-printed bodies and keeps the value’s inner whitespace', () => {
    const inner = '{\n    "code" : "10000",\n    "msg":"Success"\n  }';
    const raw = `\n{\n  "alipay_trade_query_response" :  ${inner} ,\n  "sign"  :  "S"\n}\n`;
    expect(extractSignedResponse(raw, METHOD)).toMatchObject({ content: inner, sign: 'S' });
  });

  it('ignores a "sign" member inside the response (alipay-sdk-nodejs-all "include sign key in data")', () => {
    const inner = '{"code":"10000","sign":"xxx","msg":"Success"}';
    const raw = `{"alipay_trade_query_response":${inner},"sign":"REAL"}`;
    expect(extractSignedResponse(raw, METHOD)).toMatchObject({ content: inner, sign: 'REAL' });
  });

  it('decodes an escaped sign value', () => {
    const raw = '{"alipay_trade_query_response":{"code":"10000"},"sign":"ab\\/cd=="}';
    expect(extractSignedResponse(raw, METHOD)?.sign).toBe('ab/cd==');
  });

  it('falls back to error_response, and reports a missing sign as null', () => {
    const inner =
      '{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id","sub_msg":"无效的AppID参数"}';
    expect(extractSignedResponse(`{"error_response":${inner}}`, METHOD)).toEqual({
      content: inner,
      sign: null,
      responseKey: 'error_response',
      alipayCertSn: undefined,
    });
    expect(extractSignedResponse(`{"error_response":${inner},"sign":""}`, METHOD)?.sign).toBeNull();
    expect(verifyOpenApiResponse(`{"error_response":${inner}}`, METHOD, 'unused')).toBe(false);
  });

  it('prefers the method’s own key over error_response', () => {
    const raw =
      '{"error_response":{"code":"40002"},"alipay_trade_query_response":{"code":"10000"},"sign":"S"}';
    expect(extractSignedResponse(raw, METHOD)?.content).toBe('{"code":"10000"}');
  });

  it('keeps the first of duplicated keys, so a second value cannot replace the signed one (fzlee #69)', () => {
    const body = '{"alipay_trade_query_response":{"a":1},"alipay_trade_query_response":{"a":2},"sign":"S"}';
    expect(extractSignedResponse(body, METHOD)?.content).toBe('{"a":1}');
  });

  it('returns the quoted ciphertext of an encrypted answer (what Alipay signs)', () => {
    const raw = '{"alipay_trade_query_response":"Q2lwaGVy+/=","sign":"S"}';
    expect(extractSignedResponse(raw, METHOD)?.content).toBe('"Q2lwaGVy+/="');
  });

  it('returns null for bodies that are not one Alipay answer', () => {
    const bad = [
      '',
      'not json',
      '[]',
      '{"other_response":{"code":"10000"},"sign":"S"}',
      '{"alipay_trade_query_response":{"code":"10000"',
      '{"alipay_trade_query_response":{"code":"10000"},"sign":"S"} trailing',
      '{"alipay_trade_query_response":{"code":"unterminated},"sign":"S"}',
      '{"alipay_trade_query_response":42,"sign":"S"}',
      '{"alipay_trade_query_response" {"code":"10000"}}',
      '<html>502 Bad Gateway</html>',
    ];
    for (const body of bad) expect(extractSignedResponse(body, METHOD), body).toBeNull();
  });

  it('verifies a self-made answer byte for byte, in both member orders', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const inner =
      '{"code":"10000","msg":"Success","qr_code":"https:\\/\\/qr.alipay.com\\/x","buyer":{"n":"张三 {}"}}';
    const sign = rsaSign(inner, privateKey, 'RSA2');
    for (const raw of [
      `{"alipay_trade_query_response":${inner},"sign":"${sign}"}`,
      `{"sign":"${sign}","alipay_trade_query_response":${inner}}`,
    ]) {
      expect(verifyOpenApiResponse(raw, METHOD, publicKey)).toBe(true);
      expect(verifyOpenApiResponse(raw.replace('张三', '李四'), METHOD, publicKey)).toBe(false);
      expect(verifyOpenApiResponse(raw, 'alipay.trade.close', publicKey)).toBe(false);
    }
  });
});
