import { gql } from 'graphql-tag';
import { beforeAll, describe, expect, it } from 'vitest';
import { startAlipayShop, useShop } from './alipay-shop-fixture';
import { CREATE_PAYMENT_METHOD, UPDATE_PAYMENT_METHOD } from './graphql-documents';
import { createAlipayMethod } from './shop-steps';

const CREATE_ROLE = gql`
  mutation CreateRole($input: CreateRoleInput!) {
    createRole(input: $input) {
      id
    }
  }
`;
const UPDATE_ROLE = gql`
  mutation UpdateRole($input: UpdateRoleInput!) {
    updateRole(input: $input) {
      id
      permissions
    }
  }
`;
const CREATE_ADMINISTRATOR = gql`
  mutation CreateAdministrator($input: CreateAdministratorInput!) {
    createAdministrator(input: $input) {
      id
      user {
        id
      }
    }
  }
`;

type Args = Array<{ name: string; value: string }>;

/**
 * Issue 15 item 4: settings that move money. `UpdatePaymentMethod` alone must not let an administrator
 * point the gateway elsewhere, replace keys or seller IDs, or probe the server's environment through
 * `env:`; every change is audited by admin ID and field names.
 */
describe('Alipay settings: permission, gateway policy, env: prefix, audit', () => {
  const shop = useShop(() => startAlipayShop('alipay-settings-permissions'));
  let clerkRoleId: string;
  let clerkUserId: string;
  let guardedId: string;
  const clerk = { email: 'clerk@shop.test', password: 'clerk-password' };

  beforeAll(async () => {
    const { createRole } = await shop.adminClient.query(CREATE_ROLE, {
      input: {
        code: 'payment-clerk',
        description: 'Manages payment methods, but not Alipay credentials',
        permissions: ['ReadPaymentMethod', 'CreatePaymentMethod', 'UpdatePaymentMethod'],
      },
    });
    clerkRoleId = createRole.id;
    const { createAdministrator } = await shop.adminClient.query(CREATE_ADMINISTRATOR, {
      input: {
        firstName: 'Payment',
        lastName: 'Clerk',
        emailAddress: clerk.email,
        password: clerk.password,
        roleIds: [clerkRoleId],
      },
    });
    // The e2e server encodes IDs for the API (T_4); the server's log has the plain ones.
    clerkUserId = String(createAdministrator.user.id).replace(/^T_/, '');
  });

  function update(id: string, args: Args) {
    return shop.env.adminClient.query(UPDATE_PAYMENT_METHOD, {
      input: { id, handler: { code: 'alipay', arguments: args } },
    });
  }

  function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
    return promise.then(
      () => ({}),
      (e: { response?: { errors?: Array<{ message: string; extensions?: { code?: string } }> } }) => ({
        code: e.response?.errors?.[0]?.extensions?.code,
        message: e.response?.errors?.[0]?.message,
      }),
    );
  }

  it('UpdatePaymentMethod alone cannot change the gateway, keys or seller IDs, nor create an Alipay method', async () => {
    await shop.env.adminClient.asSuperAdmin();
    const created = await createAlipayMethod(shop.env.adminClient, 'alipay-guarded', {
      interfaceType: 'legacy-direct',
      gateway: shop.sandbox.legacyGateway,
      partnerId: shop.merchant().partner,
      key: shop.merchant().key,
      charset: 'utf-8',
    });
    guardedId = created.id.replace(/^T_/, '');
    let form = created.handler.args as Args; // masked key included, as the dashboard re-sends it
    const withValue = (name: string, value: string): Args =>
      form.some(a => a.name === name)
        ? form.map(a => (a.name === name ? { name, value } : a))
        : [...form, { name, value }];

    await shop.env.adminClient.asUserWithCredentials(clerk.email, clerk.password);
    for (const [name, value] of [
      ['gateway', 'http://127.0.0.1:1/gateway.do'],
      ['key', 'f'.repeat(32)],
      ['sellerId', '2088000000000099'],
    ] as const) {
      const error = await errorOf(update(created.id, withValue(name, value)));
      expect(error.code, name).toBe('FORBIDDEN');
    }
    const refusedCreate = await errorOf(
      shop.env.adminClient.query(CREATE_PAYMENT_METHOD, {
        input: {
          code: 'alipay-by-clerk',
          enabled: true,
          handler: {
            code: 'alipay',
            arguments: [
              { name: 'interfaceType', value: 'legacy-direct' },
              { name: 'gateway', value: shop.sandbox.legacyGateway },
              { name: 'partnerId', value: shop.merchant().partner },
              { name: 'key', value: shop.merchant().key },
            ],
          },
          translations: [{ languageCode: 'en', name: 'By clerk', description: '' }],
        },
      }),
    );
    expect(refusedCreate.code).toBe('FORBIDDEN');
    expect(await shop.storedArgs('alipay-guarded')).toMatchObject({
      gateway: shop.sandbox.legacyGateway,
      key: shop.merchant().key,
    });
    expect(shop.env.logger.text()).toContain(
      `Refused: admin ${clerkUserId} lacks UpdateAlipaySettings to change gateway`,
    );

    // What does not move money stays the clerk's: the charset, with the masked key sent back unchanged.
    const { updatePaymentMethod } = await update(created.id, withValue('charset', 'gbk'));
    expect(updatePaymentMethod.handler.args.find((a: { name: string }) => a.name === 'charset')?.value).toBe(
      'gbk',
    );
    expect(await shop.storedArgs('alipay-guarded')).toMatchObject({
      key: shop.merchant().key,
      charset: 'gbk',
    });
    form = updatePaymentMethod.handler.args as Args; // the form as the dashboard shows it now

    // With the permission, the same change goes through.
    await shop.env.adminClient.asSuperAdmin();
    await shop.env.adminClient.query(UPDATE_ROLE, {
      input: {
        id: clerkRoleId,
        permissions: [
          'ReadPaymentMethod',
          'CreatePaymentMethod',
          'UpdatePaymentMethod',
          'UpdateAlipaySettings',
        ],
      },
    });
    await shop.env.adminClient.asUserWithCredentials(clerk.email, clerk.password);
    await update(created.id, withValue('sellerId', shop.merchant().partner));
    expect(await shop.storedArgs('alipay-guarded')).toMatchObject({ sellerId: shop.merchant().partner });
    await shop.env.adminClient.asSuperAdmin();
  });

  it('every change writes one audit line: the admin’s ID and the field names, never values', () => {
    const audit = shop.env.logger.lines.filter(line => line.context === 'AlipayPluginAudit');
    const messages = audit.map(line => line.message);
    expect(messages).toContain(
      `Alipay settings audit: admin ${clerkUserId} changed payment method ${guardedId}: charset`,
    );
    expect(messages).toContain(
      `Alipay settings audit: admin ${clerkUserId} changed payment method ${guardedId}: sellerId`,
    );
    expect(
      messages.some(m =>
        m.endsWith(`changed payment method ${guardedId}: charset, gateway, interfaceType, key, partnerId`),
      ),
    ).toBe(true);
    expect(shop.env.logger.text()).not.toContain(shop.merchant().key);
    expect(messages.join('\n')).not.toMatch(/gbk|127\.0\.0\.1:1/);
  });

  it('a gateway on a host the deployment does not allow is refused, in English and Chinese', async () => {
    await shop.env.adminClient.asSuperAdmin();
    const error = await errorOf(
      createAlipayMethod(shop.env.adminClient, 'alipay-elsewhere', {
        interfaceType: 'legacy-direct',
        gateway: 'https://attacker.example/gateway.do',
        partnerId: shop.merchant().partner,
        key: shop.merchant().key,
      }),
    );
    expect(error.code).toBe('USER_INPUT_ERROR');
    expect(error.message).toContain('gateway must be production, sandbox, or a URL this server allows');
    expect(error.message).toContain('gateway 必须是 production、sandbox，或本服务器允许的网址');
  });

  it('env: reads only ALIPAY_ variables, and one outside the prefix gets the same answer as an unset one', async () => {
    await shop.env.adminClient.asSuperAdmin();
    const attempt = (name: string) =>
      errorOf(
        createAlipayMethod(shop.env.adminClient, `alipay-env-${name.toLowerCase()}`, {
          interfaceType: 'legacy-direct',
          gateway: shop.sandbox.legacyGateway,
          partnerId: shop.merchant().partner,
          key: `env:${name}`,
        }),
      );
    expect(process.env.PATH).toBeTruthy();
    const outside = await attempt('PATH');
    const unset = await attempt('ALIPAY_E2E_NEVER_SET');
    expect(outside.message).toContain(
      'key reads the environment variable PATH, which is not allowed or not set',
    );
    expect(outside.message?.replaceAll('PATH', 'X')).toBe(
      unset.message?.replaceAll('ALIPAY_E2E_NEVER_SET', 'X'),
    );
    expect(outside.message).not.toContain(process.env.PATH);
  });
});
