import { describe, expect, it } from 'vitest';
import { AntomJsonError, hasDuplicateKeys, parseAntomJsonObject } from '../src/antom/json';
import { ANTOM_NOTIFICATION_ACK } from '../src/antom/notify';
import { foreignAntomAlgorithm } from '../src/antom/signature';
import { acknowledgedReply } from '../src/rejections';

describe('hasDuplicateKeys (strict reading of Antom JSON)', () => {
  it('finds a key named twice in any object, not in strings or across objects', () => {
    expect(hasDuplicateKeys('{"a":1,"a":2}')).toBe(true);
    expect(hasDuplicateKeys('{"x":{"a":1,"b":{"c":[1,{"a":2}]},"a":3}}')).toBe(true);
    expect(hasDuplicateKeys('{"a":{"a":1},"b":{"a":2}}')).toBe(false);
    expect(hasDuplicateKeys('{"a":"{\\"a\\":1,\\"a\\":2}","b":["a","a"]}')).toBe(false);
    expect(hasDuplicateKeys('{"a\\u0062":1,"ab":2}')).toBe(true);
    expect(hasDuplicateKeys('[{"a":1},{"a":1}]')).toBe(false);
    expect(hasDuplicateKeys('{}')).toBe(false);
  });
});

describe('parseAntomJsonObject', () => {
  const problem = (text: string | Uint8Array) => {
    try {
      parseAntomJsonObject(typeof text === 'string' ? Buffer.from(text) : text);
      return undefined;
    } catch (error) {
      return error instanceof AntomJsonError ? error.problem : 'other';
    }
  };
  it('reads one object, and names why anything else is refused', () => {
    expect(parseAntomJsonObject(Buffer.from('{"a":{"b":1}}'))).toEqual({ a: { b: 1 } });
    expect(problem('{"a":1')).toBe('not_json');
    expect(problem(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('not_json');
    expect(problem('[1]')).toBe('not_object');
    expect(problem('null')).toBe('not_object');
    expect(problem('{"a":1,"a":2}')).toBe('repeated_key');
  });
});

describe('foreignAntomAlgorithm', () => {
  it('is undefined for RSA256 in any case, else the name (at most 20 characters)', () => {
    const header = (algorithm: string) => ({ algorithm, keyVersion: '1', signature: 'x' });
    expect(foreignAntomAlgorithm(header('RSA256'))).toBeUndefined();
    expect(foreignAntomAlgorithm(header('rsa256'))).toBeUndefined();
    expect(foreignAntomAlgorithm(header('HMAC256'))).toBe('HMAC256');
    expect(foreignAntomAlgorithm(header('X'.repeat(50)))).toBe('X'.repeat(20));
  });
});

describe('acknowledgedReply', () => {
  it('puts success in the verifying facade’s words, and never turns fail into an acknowledgement', () => {
    expect(acknowledgedReply('success', ANTOM_NOTIFICATION_ACK)).toBe(ANTOM_NOTIFICATION_ACK);
    expect(acknowledgedReply('success', 'success')).toBe('success');
    expect(acknowledgedReply('success', undefined)).toBe('success');
    expect(acknowledgedReply('fail', ANTOM_NOTIFICATION_ACK)).toBe('fail');
  });
});
