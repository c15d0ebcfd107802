/**
 * The plugin's raw-body notify route on a real Medusa 2.21 app and real PostgreSQL, against the offline
 * sandbox: its guards (raw GBK bytes, content types, sizes, unknown providers, a shop not configured
 * yet), forged notifications, and genuine ones that cannot be applied (a wrong amount or currency, a
 * body that is not a form): answered so that Alipay retries only when a retry can help, and nothing
 * changes.
 *
 * One app boot for the file; the database is restored to the state after `beforeAll` before each test.
 */
import { md5Sign } from '@alipay-commerce/core/primitives';
import { alipaySpec, NOTIFY_PATH } from '../utils/alipay-spec';

await alipaySpec({ settingsSecret: 'a1'.repeat(32) }, t => {
  /** Legacy 即时到账 of the sandbox's merchant A, with UTF-8 notifications. */
  const configure = () => t.saveSettings(t.legacySettings('legacy-direct', { charset: 'utf-8' }));

  describe('guards', () => {
    /** `subject=测试` percent-encoded in GBK, then `body=测试` as raw GBK bytes, then a made-up `sign`. */
    const gbkBody = Buffer.concat([
      Buffer.from(
        'notify_type=trade_status_sync&out_trade_no=payses_01UNKNOWN&subject=%B2%E2%CA%D4&body=',
        'latin1',
      ),
      Buffer.from([0xb2, 0xe2, 0xca, 0xd4]),
      Buffer.from('&sign=abc%2Bdef%3D%3D&sign_type=MD5', 'latin1'),
    ]);
    const GBK_FORM = 'application/x-www-form-urlencoded; charset=GBK';

    it('reads raw GBK bytes (no 415) and answers a bad signature with plain-text fail', async () => {
      await t.saveSettings(t.legacySettings());
      for (const path of [NOTIFY_PATH, '/hooks/alipay/notify/alipay_alipay']) {
        const response = await t.postNotification(gbkBody, GBK_FORM, path);
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toMatch(/^text\/plain\b/);
        expect(response.data).toBe('fail');
      }
      const rejections = await t.db.raw(
        `select details->>'reason' as reason from alipay_event where kind = 'rejection'`,
      );
      expect(rejections.rows).toEqual([{ reason: 'bad_signature' }, { reason: 'bad_signature' }]);
    });

    it('answers fail (so Alipay retries) while Alipay is not configured', async () => {
      const response = await t.postNotification(gbkBody, GBK_FORM);
      // Read, so HTTP 200; `fail` makes Alipay retry once the merchant has configured it.
      expect([response.status, response.data]).toEqual([200, 'fail']);
    });

    it('refuses unknown providers, other content types and oversized bodies', async () => {
      const form = 'application/x-www-form-urlencoded; charset=utf-8';
      const unknown = await t.postNotification(gbkBody, form, '/hooks/alipay/notify/pp_stripe_stripe');
      expect([unknown.status, unknown.data]).toEqual([404, 'fail']);
      const notRegistered = await t.postNotification(gbkBody, form, '/hooks/alipay/notify/pp_alipay_other');
      expect(notRegistered.status).toBe(404);
      const json = await t.postNotification('{"a":1}', 'application/json');
      expect([json.status, json.data]).toEqual([415, 'fail']);
      const huge = await t.postNotification(Buffer.alloc(65 * 1024, 0x61), form);
      expect([huge.status, huge.data]).toEqual([413, 'fail']);
    });
  });

  describe('notifications that change nothing', () => {
    it('answers fail to forged notifications and changes nothing', async () => {
      await configure();
      const { prepared, session } = await t.startCheckout();
      const paid = await t.payLosingNotifications(session);
      const genuine = paid.deliveries[0]!;

      // 1. The amount changed in transit: the MD5 signature no longer matches.
      const tampered = genuine.body.replace('total_fee=35.00', 'total_fee=0.01');
      const badSignature = await t.postNotification(tampered, genuine.contentType);
      expect([badSignature.status, badSignature.data]).toEqual([200, 'fail']);

      // 2. Signed with the right key but invented: Alipay's notify_verify does not know the notify_id.
      const invented: Record<string, string> = {
        ...genuine.params,
        notify_id: 'forged0000000000000000000000000000',
      };
      delete invented.sign;
      delete invented.sign_type;
      invented.sign = md5Sign(invented, t.sandbox.merchants[0]!.key);
      invented.sign_type = 'MD5';
      const notVerified = await t.postNotification(
        new URLSearchParams(invented).toString(),
        genuine.contentType,
      );
      expect([notVerified.status, notVerified.data]).toEqual([200, 'fail']);

      const after = await t.checkoutRows(prepared, session.id);
      expect(after.orders).toEqual([]);
      expect(after.payments).toEqual([]);
      expect(after.session.status).toBe('pending');
      expect((await t.db.raw('select count(*)::int as n from alipay_trade')).rows[0].n).toBe(0);
      const rejections = await t.db.raw(
        `select details->>'reason' as reason from alipay_event where kind = 'rejection' order by created_at`,
      );
      expect(rejections.rows.map(row => row.reason)).toEqual(['bad_signature', 'notify_id_invalid']);
    });

    // A session Alipay cannot be paying for, changed after the cashier page was opened: the cart now
    // expects 30.00 while Alipay charged 35.00, or the session's currency is another one. Retrying cannot
    // fix either: acknowledged, logged, surfaced — and nothing changes.
    it.each([
      {
        change: 'the amount',
        sql: `update payment_session set amount = 30, raw_amount = '{"value":"30","precision":20}' where id = ?`,
        reason: 'wrong_amount',
      },
      {
        change: 'the currency',
        sql: `update payment_session set currency_code = 'eur' where id = ?`,
        reason: 'wrong_currency',
        message: 'EUR',
      },
    ])(
      'acknowledges a genuine notification after $change changed, and creates nothing',
      async ({ sql, reason, message }) => {
        await configure();
        const { prepared, session } = await t.startCheckout();
        await t.db.raw(sql, [session.id]);
        const paid = await t.pay(session);
        expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
        const after = await t.checkoutRows(prepared, session.id);
        expect(after.orders).toEqual([]);
        expect(after.payments).toEqual([]);
        const attention = await t.events('attention=true');
        expect(attention).toEqual([
          expect.objectContaining({
            kind: 'rejection',
            level: 'error',
            session_id: session.id,
            details: expect.objectContaining({ reason }),
          }),
        ]);
        if (message) expect(attention[0].message).toContain(message);
      },
    );

    it('acknowledges a body that is not a form without touching anything', async () => {
      await configure();
      const malformed = await t.postNotification('trade_status=%ZZ&out_trade_no=x');
      expect([malformed.status, malformed.data]).toEqual([200, 'success']);
      expect((await t.db.raw('select count(*)::int as n from alipay_event')).rows[0].n).toBe(0);
    });
  });
});
