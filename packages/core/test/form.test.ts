import { describe, expect, it } from 'vitest';
import { encodeText } from '../src/charset';
import { FormBodyError } from '../src/errors';
import { formBodyCharset, parseFormBody } from '../src/http/form';
import { formBodyBytes } from './helpers/legacy-notification';

function gbkBody(pairs: Record<string, string>): Buffer {
  return formBodyBytes(pairs, 'gbk');
}

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof FormBodyError ? error.reason : `other:${(error as Error).message}`;
  }
  return undefined;
}

describe('parseFormBody', () => {
  it('decodes UTF-8 by default, once', () => {
    const body = `subject=${encodeURIComponent('测试订单')}&passback=${encodeURIComponent('a%20b')}`;
    expect({ ...parseFormBody(body) }).toEqual({ subject: '测试订单', passback: 'a%20b' });
  });

  it('+ is a space, %2B is a literal plus', () => {
    const parsed = parseFormBody('sign=abc%2Bdef%3D%3D&notify_time=2015-05-19+09%3A16%3A44');
    expect(parsed['sign']).toBe('abc+def==');
    expect(parsed['notify_time']).toBe('2015-05-19 09:16:44');
  });

  it('honours charset=GBK in the content type', () => {
    const body = gbkBody({ subject: '测试商品', total_fee: '0.01' });
    const parsed = parseFormBody(body, 'application/x-www-form-urlencoded; charset=GBK');
    expect(parsed['subject']).toBe('测试商品');
    expect(formBodyCharset(body, 'application/x-www-form-urlencoded; charset=GBK')).toBe('gbk');
  });

  it('honours a charset or _input_charset field when the header has none', () => {
    const viaCharset = Buffer.concat([Buffer.from('charset=gbk&'), gbkBody({ subject: '商品' })]);
    expect(parseFormBody(viaCharset, 'application/x-www-form-urlencoded')['subject']).toBe('商品');
    const viaInput = Buffer.concat([gbkBody({ subject: '商品' }), Buffer.from('&_input_charset=GBK')]);
    expect(parseFormBody(viaInput)['subject']).toBe('商品');
  });

  it('gb18030 decodes four-byte sequences', () => {
    const bytes = Buffer.from(encodeText('𠀀', 'gb18030'));
    expect(bytes.length).toBe(4);
    const body = `x=${[...bytes].map(b => `%${b.toString(16)}`).join('')}`;
    expect(parseFormBody(body, 'text/plain; charset=gb18030')['x']).toBe('𠀀');
  });

  it('keeps literal non-ASCII text of a string body', () => {
    expect(parseFormBody('subject=测试&a=1')['subject']).toBe('测试');
  });

  it('refuses duplicate keys', () => {
    expect(reason(() => parseFormBody('a=1&a=2'))).toBe('duplicate_key');
  });

  it('refuses bodies over the limit', () => {
    expect(reason(() => parseFormBody(`a=${'x'.repeat(70_000)}`))).toBe('too_large');
    expect(reason(() => parseFormBody('a=123456', undefined, { maxBytes: 4 }))).toBe('too_large');
    expect(reason(() => parseFormBody(Buffer.alloc(70_000, 0x61)))).toBe('too_large');
  });

  it('refuses bytes that are invalid in the charset', () => {
    expect(reason(() => parseFormBody('subject=%FF%FE%FD'))).toBe('invalid_bytes');
    expect(reason(() => parseFormBody('subject=%81', 'x; charset=gbk'))).toBe('invalid_bytes');
  });

  it('refuses broken percent escapes and empty names', () => {
    expect(reason(() => parseFormBody('a=%G1'))).toBe('malformed');
    expect(reason(() => parseFormBody('a=%4'))).toBe('malformed');
    expect(reason(() => parseFormBody('=1'))).toBe('malformed');
  });

  it('refuses unsupported charsets', () => {
    expect(reason(() => parseFormBody('a=1', 'application/x-www-form-urlencoded; charset=big5'))).toBe(
      'unsupported_charset',
    );
    expect(reason(() => parseFormBody('a=1&charset=latin1'))).toBe('unsupported_charset');
    // Names every object inherits are not charsets (a plain-object lookup would find a function).
    for (const inherited of ['constructor', 'toString', '__proto__']) {
      expect(
        reason(() => parseFormBody(`a=1&charset=${inherited}`)),
        inherited,
      ).toBe('unsupported_charset');
      expect(
        reason(() => parseFormBody('a=1', `x; charset=${inherited}`)),
        inherited,
      ).toBe('unsupported_charset');
    }
  });

  it('tolerates empty segments and fields without "="', () => {
    expect({ ...parseFormBody('a=1&&b&c=') }).toEqual({ a: '1', b: '', c: '' });
  });

  it('treats __proto__ as a plain field', () => {
    const parsed = parseFormBody('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(parsed)).toBe(null);
    // biome-ignore lint/suspicious/noProto: the point of the test is a field named __proto__
    expect(parsed['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});
