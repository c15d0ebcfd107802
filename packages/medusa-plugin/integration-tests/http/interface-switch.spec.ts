/**
 * Switching the interface type in the admin, on a real Medusa app and PostgreSQL, against the
 * offline sandbox: a merchant holding a legacy (partner + MD5 key) and an OpenAPI (app + RSA2)
 * contract switches between them. Trades created before the switch are still refunded, closed,
 * shipment-confirmed and verified with the generation they were created with — their gateway,
 * credentials and seller — while new payments use the new settings; without the old generation's
 * credentials the plugin says so clearly instead of trying the other generation.
 */
import { eventually } from '@alipay-commerce/sandbox/testing';
import { alipaySpec } from '../utils/alipay-spec';
import { outTradeNoOf } from '../utils/shop';

const SETTINGS_SECRET = 'd4'.repeat(32);

await alipaySpec({ settingsSecret: SETTINGS_SECRET, testTimeout: 120_000 }, t => {
  /** Legacy 即时到账 with no-password refunds (the sandbox's merchant A). */
  const configureLegacy = () =>
    t.saveSettings(t.legacySettings('legacy-direct', { refundWithoutPassword: true }));

  /**
   * OpenAPI with the sandbox app. `gateway` and `sellerId` are fields both generations share: they
   * now hold the app's values, which the legacy trades must not use.
   */
  const configureOpenApi = () => t.saveSettings(t.openApiSettings());

  /**
   * Under legacy settings: one checkout paid and ordered, and one paid whose notification is lost
   * until after the switch (`late`).
   */
  async function paidBeforeTheSwitch() {
    await configureLegacy();
    const ordered = await t.startCheckout({ data: { device: 'desktop' } });
    const paid = await t.pay(ordered.session);
    expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
    expect(await t.orderOf(ordered.prepared)).toBeTruthy();
    const late = await t.startCheckout({ data: { device: 'desktop' } });
    await t.payLosingNotifications(late.session);
    return { ordered, paid, late };
  }

  it('legacy trade, switched to OpenAPI: late notification verifies, refund goes through the legacy gateway', async () => {
    const { ordered, paid, late } = await paidBeforeTheSwitch();
    expect(ordered.session.data).toMatchObject({
      interface: 'create_direct_pay_by_user',
      interface_type: 'legacy-direct',
      gateway: t.sandbox.legacyGateway,
      seller_email: t.sandbox.merchants[0]!.sellerEmail,
    });
    expect(await t.orderOf(late.prepared)).toBeUndefined();

    await configureOpenApi();

    // Alipay's retry: a legacy MD5 notification, verified with the legacy key and notify_verify.
    await t.control.advanceClock(5 * 60_000);
    expect((await t.control.deliveries(outTradeNoOf(late.session))).at(-1)).toMatchObject({
      outcome: 'success',
      answer: 'success',
    });
    expect(await t.orderOf(late.prepared)).toBeTruthy();

    // Refund through the admin: the legacy no-password refund at the legacy gateway.
    await t.refund((await t.paymentOf(ordered.session.id)).id, 10);
    const refunded = await eventually(
      async () => {
        const trade = await t.control.trade(String(paid.trade.tradeNo));
        return trade.refundedAmount === '10.00' ? trade : null;
      },
      { what: 'the legacy refund at the sandbox' },
    );
    expect(refunded.status).toBe('TRADE_SUCCESS');
    // Stored as a legacy refund: a batch number (which starts with the Beijing date).
    const refundRows = () => t.refundRows(outTradeNoOf(ordered.session));
    expect(await refundRows()).toEqual([
      expect.objectContaining({
        origin: 'shop',
        generation: 'legacy',
        request_no: expect.stringMatching(/^\d{8}/),
      }),
    ]);
    // Its result comes back as a legacy batch_refund_notify, verified with the legacy credentials.
    await eventually(async () => (await t.refundBatchResults()).length === 1, {
      what: 'the batch_refund_notify',
    });
    expect((await refundRows())[0]!.status).toBe('succeeded');
    const rejections = (await t.db.raw(`select message from alipay_event where kind = 'rejection'`)).rows;
    expect(rejections).toEqual([]);

    // New payments use the current settings: OpenAPI.
    const openapi = await t.createSession(await t.prepareCart(), { device: 'desktop' });
    expect(openapi.data).toMatchObject({
      interface: 'alipay.trade.page.pay',
      interface_type: 'openapi-page-wap-qr',
      gateway: t.sandbox.openapiGateway,
    });
  });

  it('OpenAPI trade, switched to legacy: refund and close go through OpenAPI', async () => {
    await configureOpenApi();
    const paidCheckout = await t.startCheckout({ data: { device: 'desktop' } });
    const paid = await t.pay(paidCheckout.session);
    expect(paid.deliveries[0]).toMatchObject({ outcome: 'success', answer: 'success' });
    const unpaid = await t.startCheckout({ data: { device: 'desktop' } });
    expect(unpaid.session.data.interface_type).toBe('openapi-page-wap-qr');

    await configureLegacy();

    // A synchronous OpenAPI refund (alipay.trade.refund), signed with the app's RSA2 key.
    await t.refund((await t.paymentOf(paidCheckout.session.id)).id, 10);
    expect((await t.control.trade(String(paid.trade.tradeNo))).refundedAmount).toBe('10.00');
    expect(await t.refundRows(outTradeNoOf(paidCheckout.session))).toEqual([
      expect.objectContaining({ origin: 'shop', generation: 'openapi', status: 'succeeded' }),
    ]);
    // OpenAPI also notifies the refund: an RSA2 notification, verified with the app's Alipay key.
    await eventually(
      async () =>
        (await t.control.deliveries(outTradeNoOf(paidCheckout.session))).filter(d => d.answer === 'success')
          .length === 2,
      { what: 'the refund notification' },
    );

    // The shopper starts over: Medusa drops the unpaid session, and its OpenAPI trade is closed
    // (alipay.trade.close) so the old cashier can no longer be paid. The new one is legacy.
    const replacement = await t.createSession(unpaid.prepared, { device: 'desktop' });
    expect(replacement.data).toMatchObject({
      interface: 'create_direct_pay_by_user',
      interface_type: 'legacy-direct',
    });
    const closed = await eventually(
      async () => {
        const trade = await t.control.trade(outTradeNoOf(unpaid.session), { appId: t.appId });
        return trade.status === 'TRADE_CLOSED' ? trade : null;
      },
      { what: 'the OpenAPI trade closed' },
    );
    expect(closed.status).toBe('TRADE_CLOSED');
  });

  it('legacy escrow trade, switched to OpenAPI: shipment confirmed at the legacy gateway, then captured', async () => {
    const { session, paid, order } = await t.escrowOrder();
    expect(session.data.interface_type).toBe('legacy-escrow');

    await configureOpenApi();

    // Shipping: send_goods_confirm_by_platform at the legacy gateway (an OpenAPI facade would
    // report "nothing to confirm" and leave the buyer's money in escrow).
    await t.ship(order, 'SF2026112500');
    await eventually(
      async () => (await t.db.raw(`select status from alipay_shipment`)).rows[0]?.status === 'confirmed',
      { what: 'the shipment confirmation' },
    );
    expect((await t.control.trade(String(paid.trade.tradeNo))).status).toBe('WAIT_BUYER_CONFIRM_GOODS');

    // The buyer confirms receipt: TRADE_FINISHED, a legacy notification after the switch, captures.
    await t.control.confirmReceipt({ outTradeNo: outTradeNoOf(session), partner: t.partner });
    await t.awaitPayment(session.id, 'captured');
  });

  it('verifies a notification about no trade of ours with the current settings, never the other generation', async () => {
    // OpenAPI only: the legacy credentials were never entered (or were deleted).
    await configureOpenApi();
    await t.saveSettings({ partnerId: null, key: null });
    const earlier = (await t.db.raw('select id from alipay_event')).rows.map((row: { id: string }) => row.id);
    const newEvents = async () =>
      (await t.db.raw('select id, level, details from alipay_event order by created_at, id')).rows.filter(
        (row: { id: string }) => !earlier.includes(row.id),
      );
    // Legacy-shaped (no app_id, MD5) and about trades this shop never created: a session-like
    // out_trade_no nobody has, and one that is not a session ID at all.
    for (const outTradeNo of ['payses_01FORGED0000000000000000000', 'ORDER-20261126-1']) {
      const body = new URLSearchParams({
        notify_type: 'trade_status_sync',
        notify_id: `forged-${outTradeNo}`,
        notify_time: '2026-11-26 00:00:00',
        out_trade_no: outTradeNo,
        trade_no: '2026112622001400000000000001',
        trade_status: 'TRADE_SUCCESS',
        total_fee: '0.01',
        seller_email: t.sandbox.merchants[0]!.sellerEmail,
        sign_type: 'MD5',
        sign: '0123456789abcdef0123456789abcdef',
      });
      const answer = await t.postNotification(body.toString());
      // Verified with the current (OpenAPI) facade: an ordinary bad signature, not "credentials missing".
      expect([answer.status, answer.data]).toEqual([200, 'fail']);
    }
    // Journaled as the ordinary rejections they are; no error ("Needs attention") about credentials.
    const events = (await newEvents()).map((row: { level: string; details: { reason?: string } | null }) => [
      row.level,
      row.details?.reason,
    ]);
    expect(events).toEqual([
      ['warning', 'bad_signature'],
      ['warning', 'bad_signature'],
    ]);
  });

  it('says clearly that the old generation’s credentials are gone, and never uses the other ones', async () => {
    const { ordered, paid, late } = await paidBeforeTheSwitch();

    await configureOpenApi();
    // The merchant deletes the legacy credentials.
    await t.saveSettings({ partnerId: null, key: null });

    const { id: paymentId } = await t.paymentOf(ordered.session.id);
    const refused = await t.tryRefund(paymentId, 10);
    expect(refused.status).toBe(400);
    const message = String(refused.data.message);
    expect(message).toContain(`Alipay trade ${outTradeNoOf(ordered.session)} was created with the legacy`);
    expect(message).toContain('legacy-direct');
    expect(message).toMatch(/partnerId/);
    expect(message).toContain('Settings → Alipay');
    expect(message).toContain('不会改用另一代接口的凭据');
    expect(message).not.toContain(t.sandbox.merchants[0]!.key);
    expect(message).not.toContain('PRIVATE KEY');
    expect(message).not.toContain(SETTINGS_SECRET);
    // Nothing was refunded, and Medusa recorded no refund.
    expect((await t.control.trade(String(paid.trade.tradeNo))).refundedAmount ?? '0.00').toBe('0.00');
    expect((await t.db.raw('select id from refund where payment_id = ?', [paymentId])).rows).toEqual([]);

    // A late legacy notification cannot be verified now: `fail`, so that Alipay retries once the
    // merchant has entered the credentials again; the reason is on Settings → Alipay.
    await t.control.advanceClock(5 * 60_000);
    expect((await t.control.deliveries(outTradeNoOf(late.session))).at(-1)).toMatchObject({ answer: 'fail' });
    expect(await t.orderOf(late.prepared)).toBeUndefined();
    const attention = await t.events('attention=true');
    const reason = attention.find(
      (event: { details?: { reason?: string } }) => event.details?.reason === 'trade_credentials_missing',
    );
    expect(reason).toMatchObject({ level: 'error', out_trade_no: outTradeNoOf(late.session) });
    expect(reason.message).toContain('partnerId');
    expect(JSON.stringify(attention)).not.toContain(t.sandbox.merchants[0]!.key);

    // Entered again (the interface type stays OpenAPI): Alipay's next retry goes through.
    const merchant = t.sandbox.merchants[0]!;
    await t.saveSettings({ partnerId: merchant.partner, key: merchant.key });
    await t.control.advanceClock(30 * 60_000);
    await eventually(() => t.orderOf(late.prepared), { what: 'the order from the retried notification' });
  });
});
