/**
 * The sandbox's own money, charset, form and time code (issue 18): written apart from the core so that
 * the emulator checks the core instead of sharing its mistakes. These vectors pin what Alipay writes.
 */
import { describe, expect, it } from 'vitest';
import { formatYuan } from '../src/amounts';
import { charsetOf, decodeText, encodeText } from '../src/charset';
import { ParamsError, parseParams } from '../src/form-codec';
import { beijingDate, formatBeijing, parseBeijing } from '../src/time';

describe('formatYuan', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [10, '0.10'],
    [12345, '123.45'],
    [10_000_000_000, '100000000.00'],
  ])('%i fen → %s', (fen, yuan) => expect(formatYuan(fen)).toBe(yuan));

  it('refuses what is not a whole, non-negative number of fen', () => {
    for (const fen of [-1, 1.5, Number.NaN]) expect(() => formatYuan(fen)).toThrow(RangeError);
  });
});

describe('charsets', () => {
  it('writes GBK bytes: 中文 is D6 D0 CE C4, € is 80, an unwritable character is ?', () => {
    expect([...encodeText('中文', 'gbk')]).toEqual([0xd6, 0xd0, 0xce, 0xc4]);
    expect([...encodeText('a€', 'gb2312')]).toEqual([0x61, 0x80]);
    expect([...encodeText('😀', 'gbk')]).toEqual([0x3f]);
    expect(decodeText(encodeText('支付宝 测试', 'gbk'), 'gbk')).toBe('支付宝 测试');
  });

  it('knows the labels the gateway accepts, and no inherited key', () => {
    expect(charsetOf(' UTF8 ')).toBe('utf-8');
    expect(charsetOf('CP936')).toBe('gbk');
    expect(charsetOf('gb18030')).toBeUndefined();
    expect(charsetOf('constructor')).toBeUndefined();
  });
});

describe('parseParams', () => {
  const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

  it('reads + as space, %2B as plus, and GBK escapes in a GBK body', () => {
    expect(parseParams(bytes('a=1+2%2B3&subject=%D6%D0%CE%C4'), 'gbk')).toEqual({
      a: '1 2+3',
      subject: '中文',
    });
  });

  it('refuses a repeated parameter, a nameless one and a bad escape', () => {
    for (const [body, reason] of [
      ['a=1&a=2', 'duplicate'],
      ['=1', 'malformed'],
      ['a=%G1', 'malformed'],
    ] as const) {
      expect(() => parseParams(bytes(body), 'utf-8')).toThrow(expect.objectContaining({ reason }));
      expect(() => parseParams(bytes(body), 'utf-8')).toThrow(ParamsError);
    }
  });

  it('reads bytes invalid in the charset lossily, so that the signature check is what fails', () => {
    expect(parseParams(bytes('subject=%D6%D0'), 'utf-8')).toEqual({ subject: '\ufffd\ufffd' });
  });
});

describe('Beijing time', () => {
  it.each([0, Date.UTC(1988, 5, 1), Date.UTC(2024, 1, 29, 15, 59, 59), Date.UTC(2024, 11, 31, 16)])(
    'formats and parses %i as UTC+8 with no summer time',
    ms => {
      const expected = new Date(ms + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
      expect(formatBeijing(ms)).toBe(expected);
      expect(beijingDate(ms)).toBe(expected.slice(0, 10).replaceAll('-', ''));
      expect(parseBeijing(expected)).toBe(ms);
    },
  );

  it('refuses dates that do not exist', () => {
    expect(parseBeijing('2024-02-31 00:00:00')).toBeUndefined();
    expect(parseBeijing('2024-01-01 24:00:00')).toBeUndefined();
  });
});
