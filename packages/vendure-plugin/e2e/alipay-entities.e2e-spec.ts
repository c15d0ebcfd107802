import { TransactionalConnection } from '@vendure/core';
import type { Repository } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlipayNotificationReceipt } from '../src/entities/alipay-notification-receipt.entity';
import { AlipayTrade } from '../src/entities/alipay-trade.entity';
import { type AlipayTestEnvironment, startAlipayTestEnvironment } from './test-environment';

/** A trade row with every mandatory column; `overrides` set what a test is about. */
function trade(overrides: Partial<AlipayTrade>): AlipayTrade {
  return new AlipayTrade({
    channelId: 1,
    paymentMethodCode: 'alipay-e2e',
    interfaceType: 'openapi-page',
    orderCode: 'E2EENTITY',
    orderId: 1,
    amountFen: 3990,
    ...overrides,
  });
}

describe('(g) Alipay entities', () => {
  let env: AlipayTestEnvironment;
  let trades: Repository<AlipayTrade>;
  let receipts: Repository<AlipayNotificationReceipt>;

  beforeAll(async () => {
    env = await startAlipayTestEnvironment('alipay-entities');
    const { rawConnection } = env.server.app.get(TransactionalConnection);
    trades = rawConnection.getRepository(AlipayTrade);
    receipts = rawConnection.getRepository(AlipayNotificationReceipt);
  });

  afterAll(async () => {
    await env?.destroy();
  });

  it('stores a trade with defaults and JSON event data', async () => {
    await trades.insert(
      trade({ outTradeNo: 'E2E-T-1', lastEvent: { trade_status: 'WAIT_BUYER_PAY', total_amount: '39.90' } }),
    );
    const stored = await trades.findOneByOrFail({ outTradeNo: 'E2E-T-1' });
    expect(stored).toMatchObject({
      status: 'CREATED',
      tradeNo: null,
      amountFen: 3990,
      lastEvent: { trade_status: 'WAIT_BUYER_PAY', total_amount: '39.90' },
    });
    expect(stored.createdAt).toBeInstanceOf(Date);
  });

  it('refuses a second trade with the same outTradeNo', async () => {
    await trades.insert(trade({ outTradeNo: 'E2E-T-2' }));
    await expect(trades.insert(trade({ outTradeNo: 'E2E-T-2', amountFen: 1 }))).rejects.toThrow(
      /UNIQUE constraint failed: alipay_trade\.outTradeNo/,
    );
    expect(await trades.countBy({ outTradeNo: 'E2E-T-2' })).toBe(1);
  });

  it('allows many trades without tradeNo but not two with the same tradeNo', async () => {
    await trades.insert(trade({ outTradeNo: 'E2E-T-3', tradeNo: null }));
    await trades.insert(trade({ outTradeNo: 'E2E-T-4', tradeNo: null }));
    await trades.insert(trade({ outTradeNo: 'E2E-T-5', tradeNo: '2026112522001400000000000001' }));
    await expect(
      trades.insert(trade({ outTradeNo: 'E2E-T-6', tradeNo: '2026112522001400000000000001' })),
    ).rejects.toThrow(/UNIQUE constraint failed: alipay_trade\.tradeNo/);
  });

  it('accepts one receipt per (tradeNo, alipayStatus) and refuses the duplicate', async () => {
    const receipt = (alipayStatus: string, notifyId: string) =>
      new AlipayNotificationReceipt({
        tradeNo: '2026112522001400000000000002',
        alipayStatus,
        outTradeNo: 'E2E-T-7',
        notifyId,
        channelId: 1,
      });
    await receipts.insert(receipt('WAIT_BUYER_PAY', 'n1'));
    await receipts.insert(receipt('TRADE_SUCCESS', 'n2'));
    await expect(receipts.insert(receipt('TRADE_SUCCESS', 'n3'))).rejects.toThrow(
      /UNIQUE constraint failed: alipay_notification_receipt\.tradeNo, alipay_notification_receipt\.alipayStatus/,
    );
  });

  it('lets exactly one of two concurrent duplicate receipts win', async () => {
    const insert = () =>
      receipts.insert(
        new AlipayNotificationReceipt({
          tradeNo: '2026112522001400000000000003',
          alipayStatus: 'TRADE_SUCCESS',
          outTradeNo: 'E2E-T-8',
          notifyId: null,
          channelId: 1,
        }),
      );
    const results = await Promise.allSettled([insert(), insert()]);
    expect(results.map(r => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });
});
