import { defineMiddlewares, validateAndTransformBody } from '@medusajs/framework/http';
import { trustedSalesChannel } from '../lib/trusted-sales-channel';
import { AdminSaveAlipaySettings } from './admin/alipay/settings/validators';

export default defineMiddlewares({
  routes: [
    {
      matcher: '/admin/alipay/settings',
      methods: ['POST'],
      middlewares: [validateAndTransformBody(AdminSaveAlipaySettings)],
    },
    {
      matcher: '/admin/alipay/settings/validate',
      methods: ['POST'],
      middlewares: [validateAndTransformBody(AdminSaveAlipaySettings)],
    },
    {
      // Alipay signs the exact bytes it sends, possibly GBK-encoded: no parser may touch the body
      // (Express's urlencoded parser would also reject charset=GBK with 415). The route reads the
      // stream itself.
      matcher: '/hooks/alipay/notify/:providerId',
      methods: ['POST'],
      bodyParser: false,
    },
    {
      // The cart's sales channel (marketplace seller) from the cart itself, never from the shopper.
      matcher: '/store/payment-collections/:id/payment-sessions',
      methods: ['POST'],
      middlewares: [trustedSalesChannel],
    },
  ],
});
