/**
 * The Alipay plugin's Vendure Dashboard extension (`@vendure/dashboard`), found through the plugin's
 * `dashboard` metadata and compiled into the shop's Dashboard by `vendureDashboardPlugin` (vite):
 * - the payment method form groups the Alipay settings and shows only those of the chosen interface
 *   type, in the admin's display language (English or 中文);
 * - the order page gets an Alipay panel: trades, escrow shipment, orphan payments and open refunds.
 *
 * Only the browser-safe `@alipay-commerce/core/settings` entry may be imported from here.
 */
import { defineDashboardExtension } from '@vendure/dashboard';
import { AlipayHandlerInput } from './alipay-handler-input';
import { AlipayOrderPanel, AlipayOrderPanelTitle } from './alipay-order-panel';

defineDashboardExtension({
  detailForms: [
    {
      pageId: 'payment-method-detail',
      inputs: [{ blockId: 'payment-handler', field: 'handler', component: AlipayHandlerInput }],
    },
  ],
  pageBlocks: [
    {
      id: 'alipay-order-panel',
      title: <AlipayOrderPanelTitle />,
      location: {
        pageId: 'order-detail',
        column: 'main',
        position: { blockId: 'payment-details', order: 'after' },
      },
      component: AlipayOrderPanel,
      requiresPermission: 'ReadOrder',
    },
  ],
});
