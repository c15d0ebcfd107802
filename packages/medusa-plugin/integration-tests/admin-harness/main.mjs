/**
 * Mounts the BUILT admin extension (`.medusa/server/src/admin/index.mjs`, what `medusa plugin:build`
 * ships and the dashboard imports) outside the dashboard, so a real browser can drive the settings page
 * and the order widget against a real Medusa server. `?view=order&order_id=…` mounts the widget.
 */
import { Toaster } from '@medusajs/ui';
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import plugin from '../../.medusa/server/src/admin/index.mjs';

const params = new URLSearchParams(window.location.search);
let element;
if (params.get('view') === 'order') {
  const widget = plugin.widgetModule.widgets.find(candidate =>
    candidate.zone.includes('order.details.after'),
  );
  element = h(widget.Component, { data: { id: params.get('order_id') } });
} else {
  const route = plugin.routeModule.routes.find(candidate => candidate.path === '/settings/alipay');
  element = h(route.Component);
}
createRoot(document.getElementById('root')).render(h('div', null, element, h(Toaster)));
