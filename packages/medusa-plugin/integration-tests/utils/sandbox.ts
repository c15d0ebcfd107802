/**
 * The offline Alipay sandbox (`@alipay-commerce/sandbox`) as the specs drive it: started in-process
 * on a random port, and its control API (`/__sandbox/*`).
 */
import { DEFAULT_MERCHANTS, type Sandbox, startSandbox } from '@alipay-commerce/sandbox';

/** A marketplace seller merchant A may name in `seller_email` (C2C), configured in the sandbox. */
export const C2C_SELLER = { email: 'c2c-seller@sandbox.alipay.test', userId: '2088101000000077' };

/** Starts the sandbox: merchant A (all legacy interfaces, nopwd refunds, one C2C payee), merchant B (instant only), one OpenAPI app. */
export async function startTestSandbox(): Promise<Sandbox> {
  const [merchantA, ...others] = DEFAULT_MERCHANTS;
  return startSandbox({
    port: 0,
    config: { merchants: [{ ...merchantA!, payees: [C2C_SELLER] }, ...others] },
  });
}

/** One notification attempt as the sandbox recorded it. */
export interface Delivery {
  attempt: number;
  copy?: number;
  url: string;
  contentType: string;
  body: string;
  params: Record<string, string>;
  outcome: string;
  status?: number;
  answer?: string;
  tradeStatus?: string;
}

/** The control API of a started sandbox. */
export class SandboxControl {
  constructor(readonly url: string) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new Error(`sandbox ${method} ${path} → ${response.status}: ${json.error}`);
    return json;
  }

  /**
   * The buyer's browser follows the signed request (`redirect_url`) to the cashier page and loads it:
   * from then on the trade exists for queries, as on Alipay. Returns the cashier URL.
   */
  async openRequest(requestUrl: string): Promise<string> {
    const response = await fetch(requestUrl, { redirect: 'manual' });
    if (response.status !== 302 && response.status !== 303) {
      throw new Error(
        `opening the Alipay request answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    }
    const cashier = new URL(response.headers.get('location') ?? '', requestUrl).toString();
    const page = await fetch(cashier);
    if (!page.ok) throw new Error(`the cashier page answered ${page.status}`);
    await page.text();
    return cashier;
  }

  /** Pays as the test buyer; resolves after the first notification attempt. */
  pay(body: {
    outTradeNo: string;
    partner?: string;
    appId?: string;
    mode?: 'instant' | 'escrow';
    waitForNotify?: boolean;
  }) {
    return this.request<{
      trade: Record<string, unknown>;
      redirect: { url: string } | null;
      deliveries: Delivery[];
    }>('POST', '/pay', body);
  }

  openCashier(body: { outTradeNo: string; partner?: string; appId?: string }) {
    return this.request<{ trade: Record<string, unknown> }>('POST', '/open-cashier', body);
  }

  /**
   * A refund on Alipay's side, without the shop's call (buyer protection, customer service, merchant
   * portal): a legacy escrow trade is refunded whole and closed (TRADE_CLOSED, with `refund_status` unless
   * `refundStatus: false`); an instant trade is refunded `amountFen` (default: everything left).
   */
  alipayRefund(body: {
    outTradeNo: string;
    partner?: string;
    appId?: string;
    amountFen?: number;
    refundStatus?: boolean;
    waitForNotify?: boolean;
  }) {
    return this.request<{ trade: Record<string, unknown>; deliveries: Delivery[] }>(
      'POST',
      '/alipay-refund',
      body,
    );
  }

  confirmReceipt(body: { outTradeNo: string; partner?: string; appId?: string }) {
    return this.request<{ trade: Record<string, unknown> }>('POST', '/confirm-receipt', body);
  }

  async deliveries(query: Record<string, string>): Promise<Delivery[]> {
    const search = new URLSearchParams(query).toString();
    return (await this.request<{ deliveries: Delivery[] }>('GET', `/deliveries?${search}`)).deliveries;
  }

  async trade(id: string, owner?: { partner?: string; appId?: string }) {
    const search = owner ? `?${new URLSearchParams(owner as Record<string, string>).toString()}` : '';
    return (
      await this.request<{ trade: Record<string, unknown> & { history?: unknown[] } }>(
        'GET',
        `/trades/${id}${search}`,
      )
    ).trade;
  }

  addFault(body: { scope: Record<string, string>; fault: string; count?: number; ms?: number }) {
    return this.request('POST', '/faults', body);
  }

  clearFaults() {
    return this.request('DELETE', '/faults');
  }

  advanceClock(ms: number) {
    return this.request('POST', '/clock/advance', { ms });
  }
}
