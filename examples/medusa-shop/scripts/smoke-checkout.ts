/**
 * A hand-run smoke test of the running example shop: the storefront's checkout over the Store API, paid
 * in the offline sandbox, the order created by Alipay's notification alone (the buyer never returns).
 * It is the sequence of "For storefront authors" in README.md, executable.
 *
 * ```sh
 * node -r ts-node/register/transpile-only scripts/smoke-checkout.ts \
 *   --shop http://localhost:9000 --key pk_… --sandbox http://127.0.0.1:7010 \
 *   [--sku LONGJING-250] [--device desktop|mobile]
 * ```
 *
 * Prints each step and exits 0 when the order exists and its payment is authorized or captured.
 */
import { parseArgs } from 'node:util';

const { values: cli } = parseArgs({
  options: {
    shop: { type: 'string', default: 'http://localhost:9000' },
    key: { type: 'string' },
    sandbox: { type: 'string', default: 'http://127.0.0.1:7010' },
    sku: { type: 'string', default: 'LONGJING-250' },
    device: { type: 'string', default: 'desktop' },
  },
});
if (!cli.key) throw new Error('--key <publishable API key> is required (the ready line prints it)');
const shop = cli.shop.replace(/\/+$/, '');
const storeHeaders = { 'content-type': 'application/json', 'x-publishable-api-key': cli.key };

// biome-ignore lint/suspicious/noExplicitAny: Store API JSON
type Json = any;

async function store(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${shop}${path}`, {
    method,
    headers: storeHeaders,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

function step(message: string): void {
  console.log(`• ${message}`);
}

async function main(): Promise<void> {
  const { regions } = await store('GET', '/store/regions');
  const region = regions.find((r: Json) => r.currency_code === 'cny');
  step(`region ${region.name} (${region.id}), currency ${region.currency_code}`);

  const { products } = await store(
    'GET',
    `/store/products?region_id=${region.id}&fields=*variants.calculated_price,+metadata&limit=50`,
  );
  const variant = products.flatMap((p: Json) => p.variants).find((v: Json) => v.sku === cli.sku);
  step(
    `${products.length} products; ${cli.sku} = ${variant.id} at ${variant.calculated_price.calculated_amount} CNY`,
  );

  const { cart: created } = await store('POST', '/store/carts', { region_id: region.id });
  const cartId: string = created.id;
  await store('POST', `/store/carts/${cartId}/line-items`, { variant_id: variant.id, quantity: 1 });
  const address = {
    first_name: '三',
    last_name: '张',
    address_1: '南京东路 1 号',
    city: '上海',
    province: '上海',
    postal_code: '200001',
    country_code: 'cn',
    phone: '13800000000',
  };
  await store('POST', `/store/carts/${cartId}`, {
    email: 'buyer@example.com',
    shipping_address: address,
    billing_address: address,
  });
  // Physical goods need a shipping method; a virtual-only cart needs none (the courier is listed anyway).
  const { cart: filled } = await store('GET', `/store/carts/${cartId}`);
  if (filled.items.some((item: Json) => item.requires_shipping)) {
    const { shipping_options } = await store('GET', `/store/shipping-options?cart_id=${cartId}`);
    const cheapest = [...shipping_options].sort((a: Json, b: Json) => a.amount - b.amount)[0];
    await store('POST', `/store/carts/${cartId}/shipping-methods`, { option_id: cheapest.id });
    step(`shipping: ${cheapest.name}, ${cheapest.amount} CNY`);
  }
  const { cart } = await store('GET', `/store/carts/${cartId}`);
  step(`cart ${cartId}: total ${cart.total} CNY`);

  const { payment_collection: collection } = await store('POST', '/store/payment-collections', {
    cart_id: cartId,
  });
  const { payment_collection: withSession } = await store(
    'POST',
    `/store/payment-collections/${collection.id}/payment-sessions`,
    {
      provider_id: 'pp_alipay_alipay',
      // No return_url naming the cart: the buyer comes back to the provider's storefrontReturnUrl.
      data: { device: cli.device },
    },
  );
  const session = withSession.payment_sessions.find((s: Json) => s.provider_id === 'pp_alipay_alipay');
  step(
    `payment session ${session.id} (out_trade_no ${session.data.out_trade_no}): ${session.data.kind} via ` +
      `${session.data.interface}, ${session.data.amount} CNY`,
  );

  if (session.data.kind === 'redirect') {
    // The browser follows the redirect: the sandbox answers with its cashier page.
    const request = await fetch(session.data.redirect_url, { redirect: 'manual' });
    const cashier = new URL(request.headers.get('location') ?? '', session.data.redirect_url).toString();
    const page = await fetch(cashier);
    step(`cashier ${page.status}: ${cashier}`);
  }

  // The sandbox account that owns the trade: the demo OpenAPI app, or legacy merchant A.
  const owner = session.data.interface.startsWith('alipay.')
    ? { appId: '2021000100000001' }
    : { partner: '2088101000000001' };
  const paid = await fetch(`${cli.sandbox.replace(/\/+$/, '')}/__sandbox/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outTradeNo: session.data.out_trade_no, ...owner }),
  });
  const payment = (await paid.json()) as Json;
  if (!paid.ok) throw new Error(`sandbox pay → ${paid.status}: ${JSON.stringify(payment)}`);
  const delivery = payment.deliveries?.[0];
  step(
    `paid in the sandbox: trade ${payment.trade.tradeNo ?? payment.trade.trade_no}, notification answered "${delivery?.answer}"`,
  );
  step(`buyer's return URL (not followed): ${payment.redirect?.url ?? '(none)'}`);

  // The notification completes the cart by itself: poll the cart as the storefront's order page does.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { cart: polled } = await store('GET', `/store/carts/${cartId}?fields=id,completed_at`);
    if (polled.completed_at) break;
    if (Date.now() > deadline) throw new Error('the cart was not completed within 30 s');
    await new Promise(resolve => setTimeout(resolve, 500));
  }
  // Completing again is harmless and returns the order the notification created.
  const completed = await store('POST', `/store/carts/${cartId}/complete`);
  if (completed.type !== 'order') throw new Error(`complete answered ${JSON.stringify(completed)}`);
  const { order } = await store(
    'GET',
    `/store/orders/${completed.order.id}?fields=id,display_id,status,payment_status,fulfillment_status,total,*payment_collections.payments`,
  );
  step(
    `order #${order.display_id} (${order.id}): payment_status ${order.payment_status}, total ${order.total} CNY, ` +
      `payments ${order.payment_collections
        .flatMap((c: Json) => c.payments)
        .map((p: Json) => `${p.amount} CNY captured=${Boolean(p.captured_at)} trade ${p.data?.trade_no}`)
        .join(', ')}`,
  );
  if (!['captured', 'authorized'].includes(order.payment_status)) throw new Error('the order is not paid');
  console.log('OK');
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
