import { describe, expect, it } from 'vitest';
import { settingsToConfig } from '../src/config';
import { resolveEnvReference, resolveSettingsPolicy, SettingsPolicyError } from '../src/config/policy';
import { changedSettingFields, protectedSettingFields, settingsAuditLine } from '../src/settings-fields';

// Issue 15 item 4: the gateway and env: references are the deployment's decision, not the admin's.
const legacySettings = {
  interfaceType: 'legacy-direct',
  partnerId: '2088101122136241',
  key: 'abcdefghijklmnopqrstuvwxyz012345',
};
const gatewayIssue = (gateway: string, policy = resolveSettingsPolicy()) =>
  settingsToConfig({ ...legacySettings, gateway }, policy).issues.find(issue => issue.field === 'gateway');

describe('gateway policy', () => {
  it('production and Alipay’s own URLs are always allowed', () => {
    expect(settingsToConfig({ ...legacySettings, gateway: 'production' }).ok).toBe(true);
    expect(settingsToConfig({ ...legacySettings, gateway: 'https://mapi.alipay.com/gateway.do' }).ok).toBe(
      true,
    );
  });

  it('refuses loopback unless the deployment allows it explicitly', () => {
    for (const gateway of [
      'http://127.0.0.1:7010/gateway.do',
      'https://localhost/gateway.do',
      'http://[::1]:7010/gateway.do',
      'http://127.1.2.3/',
      'http://0.0.0.0:7010/',
      'http://[::ffff:127.0.0.1]:7010/',
    ]) {
      const issue = gatewayIssue(gateway);
      expect(issue, gateway).toBeDefined();
      expect(issue!.message.en).toMatch(/allowLoopbackGateway/);
      expect(issue!.message.zh).toMatch(/本机/);
    }
    const dev = resolveSettingsPolicy({ allowLoopbackGateway: true });
    expect(settingsToConfig({ ...legacySettings, gateway: 'http://127.0.0.1:7010/gateway.do' }, dev).ok).toBe(
      true,
    );
    const fromEnv = resolveSettingsPolicy({}, { ALIPAY_ALLOW_LOOPBACK_GATEWAY: 'true' });
    expect(fromEnv.allowLoopbackGateway).toBe(true);
  });

  it('any other host needs the allowlist, and https', () => {
    expect(gatewayIssue('https://attacker.example/gateway.do')!.message.en).toMatch(/allowedGateways/);
    expect(gatewayIssue('http://attacker.example/gateway.do')!.message.en).toMatch(/https/);
    const policy = resolveSettingsPolicy(
      { allowedGateways: ['https://proxy.example/'] },
      { ALIPAY_ALLOWED_GATEWAYS: 'https://other.example:8443/x, ' },
    );
    expect(gatewayIssue('https://proxy.example/gateway.do', policy)).toBeUndefined();
    expect(gatewayIssue('https://other.example:8443/gateway.do', policy)).toBeUndefined();
    expect(gatewayIssue('https://other.example/gateway.do', policy)).toBeDefined();
    expect(gatewayIssue('http://proxy.example/gateway.do', policy)).toBeDefined();
    // Loopback stays refused even when listed: only the explicit development flag allows it.
    expect(() => resolveSettingsPolicy({ allowedGateways: ['http://127.0.0.1:7010'] })).toThrow(
      SettingsPolicyError,
    );
  });
});

describe('env: references', () => {
  const policy = resolveSettingsPolicy();
  const env = { ALIPAY_KEY: 'from-env', HOME: '/root', DATABASE_URL: 'postgres://secret' };

  it('reads a variable under the prefix', () => {
    expect(resolveEnvReference('key', 'env:ALIPAY_KEY', env, policy)).toEqual({
      ok: true,
      value: 'from-env',
    });
    expect(resolveEnvReference('key', 'literal', env, policy)).toEqual({ ok: true, value: 'literal' });
  });

  it('one answer for "not allowed" and "not set": the environment cannot be probed', () => {
    const outside = resolveEnvReference('key', 'env:HOME', env, policy);
    const unset = resolveEnvReference('key', 'env:ALIPAY_MISSING', env, policy);
    const unsetOutside = resolveEnvReference('key', 'env:NO_SUCH_VARIABLE', env, policy);
    for (const result of [outside, unset, unsetOutside]) {
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.issue.message.en).toMatch(/is not allowed or not set/);
      expect(result.issue.message.zh).toMatch(/不允许使用或未设置/);
    }
    const text = (r: typeof outside) =>
      r.ok ? '' : r.issue.message.en.replace(/variable \S+,/, 'variable X,');
    expect(text(outside)).toBe(text(unsetOutside));
    expect(text(outside)).toBe(text(unset));
    expect(JSON.stringify([outside, unset])).not.toContain('/root');
  });

  it('the prefix is the deployment’s', () => {
    const custom = resolveSettingsPolicy({}, { ALIPAY_ENV_PREFIX: 'SHOP_ALIPAY_' });
    expect(resolveEnvReference('key', 'env:ALIPAY_KEY', env, custom).ok).toBe(false);
    expect(() => resolveSettingsPolicy({ envPrefix: '' })).toThrow(SettingsPolicyError);
  });
});

describe('settings audit', () => {
  it('names changed fields, never values', () => {
    const fields = changedSettingFields(
      { gateway: 'production', key: 'old-secret', charset: 'utf-8' },
      { gateway: 'production', key: 'new-secret', charset: 'gbk', sellerId: '' },
    );
    expect(fields).toEqual(['charset', 'key']);
    expect(protectedSettingFields(fields)).toEqual(['key']);
    const line = settingsAuditLine({ actorId: 'user_1', target: 'payment method alipay', fields });
    expect(line).toContain('user_1');
    expect(line).toContain('charset, key');
    expect(line).not.toMatch(/secret|gbk/);
  });
});
