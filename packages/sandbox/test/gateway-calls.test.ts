import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src';
import { callOpenApi, control, type Json, legacyUrl } from './helpers';

/** `GET /__sandbox/gateway-calls`: the log a test counts a shop's Alipay calls with. */

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('gateway call log', () => {
  it('logs legacy and OpenAPI requests with their name, owner and out_trade_no, filters them, and is reset', async () => {
    const merchant = sandbox.merchants[0]!;
    const app = sandbox.apps[0]!;
    await fetch(legacyUrl(sandbox, merchant, { service: 'single_trade_query', out_trade_no: 'GC-1-1' }));
    await fetch(legacyUrl(sandbox, merchant, { service: 'close_trade', out_order_no: 'GC-1-2' }));
    await callOpenApi(sandbox, app, 'alipay.trade.query', { out_trade_no: 'GC-2-1' });
    // A fault answers the request, but it was received all the same.
    await control(sandbox, 'POST', '/faults', { scope: { partner: merchant.partner }, fault: 'gateway-500' });
    await fetch(legacyUrl(sandbox, merchant, { service: 'single_trade_query', out_trade_no: 'GC-1-3' }));
    await control(sandbox, 'DELETE', '/faults');

    const all = (await control(sandbox, 'GET', '/gateway-calls')).calls as Json[];
    expect(all.map(c => [c.api, c.name, c.owner, c.outTradeNos])).toEqual([
      ['legacy', 'single_trade_query', merchant.partner, ['GC-1-1']],
      ['legacy', 'close_trade', merchant.partner, ['GC-1-2']],
      ['openapi', 'alipay.trade.query', app.appId, ['GC-2-1']],
      ['legacy', 'single_trade_query', merchant.partner, ['GC-1-3']],
    ]);
    const queries = (
      await control(sandbox, 'GET', '/gateway-calls?name=single_trade_query&outTradeNoPrefix=GC-1-')
    ).calls as Json[];
    expect(queries.map(c => c.outTradeNos[0])).toEqual(['GC-1-1', 'GC-1-3']);
    const one = (await control(sandbox, 'GET', `/gateway-calls?outTradeNo=GC-2-1&owner=${app.appId}`))
      .calls as Json[];
    expect(one).toHaveLength(1);

    await control(sandbox, 'POST', '/reset');
    expect((await control(sandbox, 'GET', '/gateway-calls')).calls).toEqual([]);
  });
});
