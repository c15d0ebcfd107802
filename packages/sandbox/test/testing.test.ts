/**
 * `@alipay-commerce/sandbox/testing`: the harness every suite uses. Driven against a real sandbox and a
 * real notify receiver, so a wrong route, body or field in the client fails here first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  SandboxControl,
  SandboxControlError,
  startTestSandbox,
  type TestSandbox,
} from '../src/testing';
import { legacyUrl, Receiver } from './helpers';

describe('sandbox/testing', () => {
  let sandbox: TestSandbox;
  let shop: Receiver;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ timeScale: 600 });
    shop = await new Receiver().start();
  });
  afterAll(async () => {
    await shop.close();
    await sandbox.close();
  });

  async function openedTrade(outTradeNo: string, totalFee = '12.34'): Promise<string> {
    const merchant = sandbox.sandbox.merchants[0]!;
    const url = legacyUrl(sandbox.sandbox, merchant, {
      service: 'create_direct_pay_by_user',
      out_trade_no: outTradeNo,
      subject: 'harness',
      payment_type: '1',
      total_fee: totalFee,
      seller_email: merchant.sellerEmail,
      notify_url: `${shop.url}/notify`,
    });
    await sandbox.openRequest(url);
    return merchant.partner;
  }

  it('starts on a loopback port and reads the start-up config', async () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const config = await sandbox.config<{ merchants: Array<{ partner: string }> }>();
    expect(config.merchants[0]!.partner).toBe(sandbox.sandbox.merchants[0]!.partner);
  });

  it('pays as the buyer, then reads the trade, its deliveries and the ledger in fen', async () => {
    const partner = await openedTrade('H-PAY-1');
    const paid = await sandbox.pay({ outTradeNo: 'H-PAY-1', partner });
    expect(paid.trade.status).toBe('TRADE_SUCCESS');
    expect(paid.deliveries[0]).toMatchObject({ attempt: 1, outcome: 'success' });

    expect((await sandbox.trade('H-PAY-1', { partner })).totalFen).toBe(1234);
    expect((await sandbox.deliveries('H-PAY-1')).map(d => d.params['trade_status'])).toEqual([
      'TRADE_SUCCESS',
    ]);
    expect(await sandbox.deliveries({ outTradeNo: 'H-PAY-1', kind: 'trade_status_sync' })).toHaveLength(1);

    await sandbox.alipayRefund({ outTradeNo: 'H-PAY-1', partner, amountFen: 234 });
    const entry = (await sandbox.ledger()).find(e => e.outTradeNo === 'H-PAY-1');
    expect(entry).toMatchObject({ totalFen: 1234, refundedFen: 234 });
    expect(entry!.refunds).toEqual([expect.objectContaining({ source: 'alipay', amountFen: 234 })]);
  });

  it('counts a fault’s firings and clears it; the clock moves retries forward', async () => {
    const partner = await openedTrade('H-FAULT-1');
    const fault = await sandbox.addFault({ fault: 'drop-notify', scope: { outTradeNo: 'H-FAULT-1' } });
    await sandbox.pay({ outTradeNo: 'H-FAULT-1', partner });
    expect(await sandbox.faultFired(fault.id)).toBe(1);
    await sandbox.clearFaults();
    expect(await sandbox.faults()).toEqual([]);

    await sandbox.advanceClock(3 * 60_000);
    const delivered = await eventually(
      async () => (await sandbox.deliveries('H-FAULT-1')).find(d => d.outcome === 'success'),
      { what: 'the retry after the dropped attempt', timeoutMs: 5_000 },
    );
    expect(delivered.attempt).toBe(2);
    expect(await sandbox.gatewayCalls({ outTradeNo: 'H-FAULT-1' })).not.toHaveLength(0);
  });

  it('rejects a refused call with its status and body; `call` returns them instead', async () => {
    const refusal = await sandbox.pay({ outTradeNo: 'NO-SUCH-TRADE', partner: 'x' }).catch(e => e);
    expect(refusal).toBeInstanceOf(SandboxControlError);
    expect((refusal as SandboxControlError).status).toBe(404);
    const { status } = await new SandboxControl(sandbox.url).call('GET', 'trades/NO-SUCH-TRADE');
    expect(status).toBe(404);
  });

  it('eventually names what it waited for when it times out', async () => {
    await expect(eventually(() => false, { what: 'nothing', timeoutMs: 50, intervalMs: 10 })).rejects.toThrow(
      /timed out after 50 ms waiting for nothing/,
    );
  });
});
