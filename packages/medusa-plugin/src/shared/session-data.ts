/**
 * The `data` of an Alipay payment session, as the storefront sends it and reads it back. Everything
 * here is visible to the shopper: it never holds a key, a token or anything else secret.
 *
 * @packageDocumentation
 */

/** What the storefront may put into `data` when it creates the payment session. */
export interface AlipaySessionInput {
  /** `mobile` or `desktop`: picks the cashier (OpenAPI wap vs page / QR). Default: desktop. */
  device?: 'desktop' | 'mobile';
  /**
   * Where the buyer should land after paying: an absolute URL with the same origin as the
   * provider option `storefrontReturnUrl` (others are refused: no open redirect).
   */
  return_url?: string;
  /** `form` to receive an auto-submitting HTML form instead of a redirect URL. Default `redirect`. */
  as?: 'redirect' | 'form';
}

/** What the provider writes into `data`; the storefront follows one of the three `kind`s. */
export interface AlipaySessionData {
  /** The Medusa payment session ID. */
  session_id: string;
  /**
   * The trade's Alipay `out_trade_no`: random (`at` + 30 hex digits, the core's `newOutTradeNo`), unrelated
   * to the session, cart or order, since it is public. (Sessions started before issue 15 hold the session
   * ID here.)
   */
  out_trade_no: string;
  /** The sales channel whose Alipay settings (seller) apply; written by the plugin, never by the shopper. */
  sales_channel_id: string | null;
  /** Amount sent to Alipay, in major units (yuan, dollars) with two decimals. */
  amount: string;
  /** The order's ISO currency (`CNY`; an Antom provider takes others, e.g. `USD`). */
  currency: string;
  /** The Alipay interface used, e.g. `create_direct_pay_by_user`, `alipay.trade.page.pay`. */
  interface: string;
  /**
   * The admin interface type the trade was created with (`legacy-direct`, `openapi-page-wap-qr`, …).
   * Refunds, closing, queries, shipment confirmation and notifications of this trade use that
   * generation's credentials even after the merchant switched the interface type.
   */
  interface_type: string;
  /** The gateway URL the trade was created at (public: the redirect URL starts with it). */
  gateway: string;
  /** The seller account the trade was created for (public: Alipay's cashier shows it), if configured. */
  seller_email: string | null;
  /** The seller's Alipay user ID the trade was created for, if configured. */
  seller_id: string | null;
  device: 'desktop' | 'mobile';
  kind: 'redirect' | 'form' | 'qr';
  /** `kind: 'redirect'`: send the browser here. */
  redirect_url?: string;
  /** `kind: 'form'`: an HTML form that submits itself to Alipay. */
  form_html?: string;
  /** `kind: 'qr'`: the content of the QR code to show (scan with the Alipay app). */
  qr_code?: string;
  /** `kind: 'qr'`: when the QR code stops working (ISO 8601). */
  qr_expires_at?: string;
  /** The validated storefront return URL. */
  return_url: string;
  /** Alipay's trade number, once known. */
  trade_no?: string;
  /** The core's trade status, once known (`waiting_payment`, `paid`, …). */
  alipay_status?: string;
}

/** Keys of {@link AlipaySessionInput}: the only ones the storefront may set. */
export const SESSION_INPUT_KEYS = ['device', 'return_url', 'as'] as const;

/**
 * Payment session data keys the plugin writes; values sent by the shopper under these names are
 * overwritten (and, except for {@link SESSION_INPUT_KEYS}, dropped before the provider sees them).
 */
export const PLUGIN_SESSION_KEYS = [
  'session_id',
  'out_trade_no',
  'sales_channel_id',
  'amount',
  'currency',
  'interface',
  'interface_type',
  'gateway',
  'seller_email',
  'seller_id',
  'device',
  'kind',
  'redirect_url',
  'form_html',
  'qr_code',
  'qr_expires_at',
  'return_url',
  'trade_no',
  'alipay_status',
] as const;
