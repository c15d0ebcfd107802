import { defineMiddlewares, validateAndTransformBody } from '@medusajs/framework/http';
import { trustedSalesChannel } from '../checkout/trusted-sales-channel';
import { ALIPAY_RBAC } from '../policies/alipay';
import { AdminSaveAlipaySettings } from './admin/alipay/settings/validators';

const read = (resource: string) => [{ resource, operation: 'read' }];
const update = (resource: string) => [{ resource, operation: 'update' }];

export default defineMiddlewares({
  routes: [
    // RBAC (when Medusa's RBAC is on): every admin route of the plugin declares its policies, as
    // Medusa's own routes do; resources in src/policies/alipay.ts. Changing the gateway, keys or
    // seller IDs through POST /admin/alipay/settings also needs alipay_credentials:update, checked in
    // the route (it depends on what the body changes).
    { matcher: '/admin/alipay/settings', methods: ['GET'], policies: read(ALIPAY_RBAC.settings) },
    {
      matcher: '/admin/alipay/settings',
      methods: ['POST'],
      middlewares: [validateAndTransformBody(AdminSaveAlipaySettings)],
      policies: update(ALIPAY_RBAC.settings),
    },
    {
      matcher: '/admin/alipay/settings/validate',
      methods: ['POST'],
      middlewares: [validateAndTransformBody(AdminSaveAlipaySettings)],
      policies: update(ALIPAY_RBAC.settings),
    },
    {
      matcher: '/admin/alipay/settings/test-credentials',
      methods: ['POST'],
      policies: update(ALIPAY_RBAC.settings),
    },
    {
      matcher: '/admin/alipay/settings/sales-channels/:salesChannelId',
      methods: ['DELETE'],
      policies: [...update(ALIPAY_RBAC.settings), ...update(ALIPAY_RBAC.credentials)],
    },
    { matcher: '/admin/alipay/events', methods: ['GET'], policies: read(ALIPAY_RBAC.event) },
    { matcher: '/admin/alipay/events/:id/resolve', methods: ['POST'], policies: update(ALIPAY_RBAC.event) },
    { matcher: '/admin/alipay/orders/:id', methods: ['GET'], policies: read(ALIPAY_RBAC.payment) },
    {
      matcher: '/admin/alipay/orphans/:outTradeNo/refund',
      methods: ['POST'],
      policies: update(ALIPAY_RBAC.payment),
    },
    {
      matcher: '/admin/alipay/shipments/:id/retry',
      methods: ['POST'],
      policies: update(ALIPAY_RBAC.payment),
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
