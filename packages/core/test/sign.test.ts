import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeText } from '../src/charset';
import { buildSignString } from '../src/sign/canonical';
import { md5Sign, md5Verify } from '../src/sign/md5';
import { sharedVectors } from './helpers/vectors';

const basic = sharedVectors('md5-legacy-basic.json');
const derived = sharedVectors('derived-by-us.json');

describe('buildSignString', () => {
  it('drops sign, sign_type and empty values, sorts by code unit, joins raw k=v', () => {
    expect(
      buildSignString({
        b: '2',
        a: '1',
        sign: 'x',
        sign_type: 'MD5',
        empty: '',
        nil: null,
        undef: undefined,
      }),
    ).toBe('a=1&b=2');
  });

  it('keeps values raw (not URL-encoded), including spaces, ^, / and :', () => {
    expect(
      buildSignString({ email: 'test@msn.com', detail: '2013^0.01^协商退款', time: '2009-01-01 10:00:00' }),
    ).toBe('detail=2013^0.01^协商退款&email=test@msn.com&time=2009-01-01 10:00:00');
  });

  it('sorts by UTF-16 code unit: uppercase before underscore before lowercase', () => {
    expect(buildSignString({ b: '1', _input_charset: 'utf-8', B: '2', a_b: '3', ab: '4' })).toBe(
      'B=2&_input_charset=utf-8&a_b=3&ab=4&b=1',
    );
  });

  it('honours a custom exclude list (OpenAPI requests sign sign_type)', () => {
    expect(buildSignString({ sign: 's', sign_type: 'RSA2', app_id: '1' }, { exclude: ['sign'] })).toBe(
      'app_id=1&sign_type=RSA2',
    );
  });

  it('stringifies numbers and booleans', () => {
    expect(buildSignString({ n: 1, t: true })).toBe('n=1&t=true');
  });
});

describe('md5Sign / md5Verify: published vectors (chloerei/alipay)', () => {
  for (const vector of basic.vectors) {
    it(vector.id, () => {
      expect(buildSignString(vector.params)).toBe(vector.expectedPresign);
      expect(md5Sign(vector.params, vector.key)).toBe(vector.expectedSign);
      expect(md5Verify({ ...vector.params, sign: vector.expectedSign }, vector.key)).toBe(true);
    });
  }
});

describe('md5 over the bytes of _input_charset (derived GBK vector)', () => {
  const vector = derived.vectors.find((v: { id: string }) => v.id === 'md5-gbk-charset');
  it('presign matches', () => {
    expect(buildSignString(vector.params)).toBe(vector.expectedPresign);
  });
  it('GBK bytes for a gbk merchant', () => {
    expect(md5Sign(vector.params, vector.key, { charset: 'gbk' })).toBe(
      vector.expected.md5OverGbkBytes_correct,
    );
  });
  it('UTF-8 bytes give another (wrong) signature', () => {
    expect(md5Sign(vector.params, vector.key)).toBe(vector.expected.md5OverUtf8Bytes_wrongForGbk);
  });
  it('same params as utf-8 merchant', () => {
    const params = { ...vector.params, _input_charset: 'utf-8' };
    expect(md5Sign(params, vector.key, { charset: 'utf-8' })).toBe(
      vector.expected.sameParamsWithInputCharsetUtf8_md5OverUtf8,
    );
  });
  it('gb2312 hashes the same bytes as gbk for GB2312 characters', () => {
    expect(md5Sign(vector.params, vector.key, { charset: 'gb2312' })).toBe(
      vector.expected.md5OverGbkBytes_correct,
    );
  });
  it('verifies only in the right charset', () => {
    const signed = { ...vector.params, sign: vector.expected.md5OverGbkBytes_correct, sign_type: 'MD5' };
    expect(md5Verify(signed, vector.key, { charset: 'gbk' })).toBe(true);
    expect(md5Verify(signed, vector.key, { charset: 'utf-8' })).toBe(false);
  });
});

describe('md5 is exactly md5(presign + key) in lowercase hex', () => {
  it('matches a direct computation', () => {
    const params = { service: 'create_direct_pay_by_user', subject: '测试', total_fee: '0.01' };
    const key = 'abcdefghijklmnopqrstuvwxyz012345';
    const expected = createHash('md5')
      .update(Buffer.from(`${buildSignString(params)}${key}`, 'utf8'))
      .digest('hex');
    expect(md5Sign(params, key)).toBe(expected);
    expect(md5Sign(params, key)).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(encodeText('测试', 'gbk')).toString('hex')).toBe('b2e2cad4');
  });

  it('rejects missing, short and wrong signatures without throwing', () => {
    const key = '10000000000000000000000000000000';
    expect(md5Verify({ a: '1' }, key)).toBe(false);
    expect(md5Verify({ a: '1', sign: 'abc' }, key)).toBe(false);
    expect(md5Verify({ a: '1', sign: '0'.repeat(32) }, key)).toBe(false);
    const sign = md5Sign({ a: '1' }, key);
    expect(md5Verify({ a: '1', sign: sign.toUpperCase() }, key)).toBe(true);
  });
});

describe('md5 properties (fast-check)', () => {
  const key = fc.stringMatching(/^[0-9a-z]{32}$/);
  const params = fc.dictionary(
    fc.stringMatching(/^[a-z_]{1,12}$/).filter(k => k !== 'sign' && k !== 'sign_type'),
    fc.string({ minLength: 1, maxLength: 20 }),
    { minKeys: 1, maxKeys: 12 },
  );

  it('sign then verify holds in utf-8 and gbk', () => {
    fc.assert(
      fc.property(params, key, fc.constantFrom('utf-8', 'gbk'), (p, k, charset) => {
        // GBK cannot encode every character: restrict to what survives a GBK round trip.
        const sign = md5Sign(p, k, { charset });
        return md5Verify({ ...p, sign, sign_type: 'MD5' }, k, { charset });
      }),
    );
  });

  it('changing any signed value breaks the signature', () => {
    fc.assert(
      fc.property(params, key, fc.nat(), fc.string({ minLength: 1, maxLength: 5 }), (p, k, index, suffix) => {
        const keys = Object.keys(p);
        const victim = keys[index % keys.length]!;
        const sign = md5Sign(p, k);
        const tampered = { ...p, [victim]: p[victim] + suffix, sign };
        return !md5Verify(tampered, k);
      }),
    );
  });

  it('adding a field breaks the signature; adding an empty one does not', () => {
    fc.assert(
      fc.property(params, key, (p, k) => {
        const sign = md5Sign(p, k);
        return !md5Verify({ ...p, zz_extra: 'x', sign }, k) && md5Verify({ ...p, zz_extra: '', sign }, k);
      }),
    );
  });

  it('another key never verifies', () => {
    fc.assert(
      fc.property(params, key, key, (p, k1, k2) => {
        fc.pre(k1 !== k2);
        return !md5Verify({ ...p, sign: md5Sign(p, k1) }, k2);
      }),
    );
  });
});
