/**
 * Without `dependencies: ["alipay_settings"]` the payment module's container cannot resolve the
 * settings module; the provider must turn that into an actionable error.
 */
import type { IPaymentModuleService } from '@medusajs/framework/types';
import { Modules } from '@medusajs/framework/utils';
import { alipaySpec } from '../utils/alipay-spec';

await alipaySpec({ appDir: 'app-without-dependencies', prepare: 'nothing' }, t => {
  it('tells the shop to add dependencies: ["alipay_settings"] to the payment module', async () => {
    const payment = t.container.resolve<IPaymentModuleService>(Modules.PAYMENT);
    const collection = await payment.createPaymentCollections({ currency_code: 'cny', amount: 10 });
    const attempt = payment.createPaymentSession(collection.id, {
      provider_id: 'pp_alipay_alipay',
      amount: 10,
      currency_code: 'cny',
      data: {},
    });
    await expect(attempt).rejects.toThrow(
      /cannot reach the "alipay_settings" module.*dependencies: \["alipay_settings"\]/,
    );
  });
});
