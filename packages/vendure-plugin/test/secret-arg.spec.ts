import { describe, expect, it } from 'vitest';
import { AlipaySecretArgError, resolveSecretArg } from '../src/secret-arg';

describe('resolveSecretArg', () => {
  const env = { ALIPAY_APP_KEY: 'MIIEvQIBADANBg', ALIPAY_EMPTY_VAR: '', HOME: '/root' };

  it('treats empty and missing values as not configured', () => {
    expect(resolveSecretArg(undefined, env)).toBeUndefined();
    expect(resolveSecretArg(null, env)).toBeUndefined();
    expect(resolveSecretArg('', env)).toBeUndefined();
    expect(resolveSecretArg('   ', env)).toBeUndefined();
  });

  it('returns a literal secret unchanged', () => {
    expect(resolveSecretArg('abc123md5key', env)).toBe('abc123md5key');
    expect(resolveSecretArg(' keep surrounding space ', env)).toBe(' keep surrounding space ');
  });

  it('reads env:NAME from the environment', () => {
    expect(resolveSecretArg('env:ALIPAY_APP_KEY', env)).toBe('MIIEvQIBADANBg');
    expect(resolveSecretArg('  env: ALIPAY_APP_KEY ', env)).toBe('MIIEvQIBADANBg');
  });

  it('defaults to process.env', () => {
    process.env.ALIPAY_VENDURE_SECRET_ARG_TEST = 'from-process-env';
    try {
      expect(resolveSecretArg('env:ALIPAY_VENDURE_SECRET_ARG_TEST')).toBe('from-process-env');
    } finally {
      delete process.env.ALIPAY_VENDURE_SECRET_ARG_TEST;
    }
  });

  it('names an unset or empty variable without revealing anything else', () => {
    expect(() => resolveSecretArg('env:ALIPAY_MISSING_VAR', env)).toThrow(AlipaySecretArgError);
    expect(() => resolveSecretArg('env:ALIPAY_MISSING_VAR', env)).toThrow(
      /ALIPAY_MISSING_VAR.*not allowed or not set/,
    );
    expect(() => resolveSecretArg('env:ALIPAY_EMPTY_VAR', env)).toThrow(/ALIPAY_EMPTY_VAR/);
  });

  it('reads only variables under the prefix, and says the same for one outside it as for an unset one', () => {
    const message = (value: string) => {
      try {
        resolveSecretArg(value, env);
        return 'resolved';
      } catch (error) {
        return (error as Error).message.replace(/variable \S+,/, 'variable X,');
      }
    };
    expect(message('env:HOME')).toMatch(/not allowed or not set/);
    expect(message('env:HOME')).toBe(message('env:NO_SUCH_VARIABLE'));
    expect(message('env:HOME')).toBe(message('env:ALIPAY_MISSING_VAR'));
    expect(message('env:HOME')).not.toContain('/root');
  });

  it('rejects an invalid variable name without echoing the value', () => {
    const mistypedSecret = 'env:not a name/secret+material==';
    let message = '';
    try {
      resolveSecretArg(mistypedSecret, env);
    } catch (error) {
      expect(error).toBeInstanceOf(AlipaySecretArgError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/valid environment variable name/);
    expect(message).not.toContain('secret+material');
    expect(() => resolveSecretArg('env:', env)).toThrow(AlipaySecretArgError);
    expect(() => resolveSecretArg('env:1ABC', env)).toThrow(AlipaySecretArgError);
  });
});
