import { isPaidStatus, TradeNotClosableError } from '@alipay-commerce/core';
import { newOutTradeNo } from '@alipay-commerce/core/lifecycle';
import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  ConfigModule,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  Logger,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from '@medusajs/framework/types';
import {
  AbstractPaymentProvider,
  MedusaError,
  PaymentActions,
  PaymentSessionStatus,
} from '@medusajs/framework/utils';
import { alipayError } from '../../logging/alipay-error';
import { logLine } from '../../logging/log-line';
import { ALIPAY_MODULE } from '../../modules/alipay/constants';
import type AlipayModuleService from '../../modules/alipay/service';
import type { ScopedAlipay } from '../../modules/alipay/settings-store';
import { alipayProviderIds, PROVIDER_IDENTIFIER } from '../../settings/provider-options';
import { providerSettingsScope } from '../../settings/runtime';
import { amountToFen, fenToAmount } from '../../trades/money';
import { tradeOriginOf } from '../../trades/trade-origin';
import { type AlipayProviderOptions, validateProviderOptions } from './options';
import { type ProviderContext, text } from './provider-context';
import { refundPayment } from './refund-payment';
import { startTrade } from './start-trade';
import { statusChecked, tradeState, withTrade } from './trade-state';

export type { AlipayProviderOptions } from './options';

/**
 * The refusal of a new payment attempt (or of deleting the payment collection) while the session's
 * trade is paid: the paid session stays and completes the order. English / 简体中文.
 */
export const PAID_SESSION_KEPT_MESSAGE =
  'Alipay: this order is already paid (the payment is being recorded), so it cannot be paid again. / ' +
  '支付宝：该订单已付款（付款正在入账），不能再次付款。';

/**
 * Alipay (支付宝) payment provider for Medusa v2's payment module: both generations of Alipay
 * contracts (legacy partner + MD5 key, OpenAPI app + RSA2) through the `@alipay-commerce/core` facade.
 *
 * Registered from `@alipay-commerce/medusa/providers/alipay`; with `id: "alipay"` its ID is
 * `pp_alipay_alipay`. Credentials come from the `alipay` module (Settings → Alipay) at call
 * time — reachable only when the payment module lists `dependencies: ["alipay"]` — with the
 * provider option `settings` as a fallback.
 *
 * Money decisions never trust session `data` written by the shopper: a trade counts as paid only
 * from a verified notification stored by the notify route, or from Alipay's signed query answer.
 */
export default class AlipayProviderService extends AbstractPaymentProvider<AlipayProviderOptions> {
  /** Provider identifier; Medusa prefixes `pp_` and suffixes the configured `id`. */
  static override identifier = PROVIDER_IDENTIFIER;

  protected readonly logger_: Logger;
  protected readonly options_: AlipayProviderOptions;
  private providerId_: string | undefined;

  /** Fails fast at boot on missing or malformed options (see {@link AlipayProviderOptions}). */
  static override validateOptions(options: Record<string, unknown> | undefined): void {
    validateProviderOptions(options);
  }

  constructor(cradle: Record<string, unknown>, options: AlipayProviderOptions) {
    super(cradle, options);
    this.logger_ = cradle.logger as Logger;
    this.options_ = options;
  }

  // ---------------------------------------------------------------------------------------------
  // Payment module contract

  /**
   * Starts an Alipay trade for the session under a new random `out_trade_no` (the core's
   * `newOutTradeNo`): the number is public (payment URLs, the payer's Alipay bill, "pay for me" links),
   * so it must not lead to the session, cart or order. The mapping to the session is stored in the
   * trade's start record. Returns the redirect URL, the auto-submitting form or the QR code for the
   * storefront, and nothing secret. The storefront may pass `device`, `return_url` and `as` (see
   * `AlipaySessionInput`).
   */
  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const data = input.data ?? {};
    const sessionId = text(data.session_id) ?? text(input.context?.idempotency_key);
    if (!sessionId) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        'Alipay needs the payment session ID; none was given. / 缺少支付会话 ID。',
      );
    }
    const outTradeNo = newOutTradeNo();
    const sessionData = await startTrade(
      this.steps_(),
      sessionId,
      outTradeNo,
      data,
      input.amount,
      input.currency_code,
    );
    return { id: outTradeNo, status: PaymentSessionStatus.PENDING, data: sessionData };
  }

  /**
   * Asks for the trade's verified state — stored from a verified notification, else Alipay's signed
   * query answer — and maps it with {@link toSessionStatus}. A paid instant trade returns `captured`
   * by itself (Medusa's `processPaymentWorkflow` calls this again and relies on it); an escrow trade
   * paid into escrow returns `authorized`.
   */
  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = input.data ?? {};
    const state = await tradeState(this.steps_(), data, { rateLimited: true });
    const status = statusChecked(this.steps_(), data, state);
    this.logger_.info(
      logLine(`authorizePayment: trade ${state.status ?? 'not created yet'} → ${status}`, {
        outTradeNo: text(data.out_trade_no),
        trade: state.tradeNo,
      }),
    );
    return { status, data: withTrade(data, state) };
  }

  /**
   * The session status from the trade's verified state (same mapping as `authorizePayment`). Like
   * `authorizePayment` (which a storefront reaches by completing the cart), Alipay is asked about a
   * trade at most once per the core's `SYNC_MIN_INTERVAL_MS`; within it the recorded state answers.
   */
  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = input.data ?? {};
    const state = await tradeState(this.steps_(), data, { rateLimited: true });
    return { status: statusChecked(this.steps_(), data, state), data: withTrade(data, state) };
  }

  /**
   * Medusa captures when the trade is paid: instant payments are captured at authorization already
   * (Medusa then skips this call); an escrow payment is captured when Alipay reports TRADE_FINISHED.
   * Capturing an escrow payment by hand before the buyer confirmed receipt is refused, because
   * Alipay releases the money only then.
   */
  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = input.data ?? {};
    const state = await tradeState(this.steps_(), data);
    const ids = { outTradeNo: text(data.out_trade_no), trade: state.tradeNo };
    if (state.status === 'paid' || state.status === 'finished') {
      this.logger_.info(logLine(`capturePayment: trade ${state.status}, captured`, ids));
      return { data: withTrade(data, state) };
    }
    if (state.status === 'paid_awaiting_shipment' || state.status === 'shipped_awaiting_receipt') {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Alipay escrow (担保交易): the money is released when the buyer confirms receipt (trade ${state.tradeNo}, ` +
          `${state.status}). The payment is captured automatically then. / 担保交易：买家确认收货后支付宝才会放款` +
          `（交易号 ${state.tradeNo}），届时会自动完成收款。`,
      );
    }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Alipay trade ${ids.outTradeNo} is not paid (${state.status ?? 'no trade'}); nothing to capture. / ` +
        `支付宝交易 ${ids.outTradeNo} 未付款（${state.status ?? '无交易'}），无法收款。`,
    );
  }

  /**
   * Closes the trade (关闭交易) through the core's `closeTrade`, which is idempotent: a trade Alipay
   * never saw, or one closed already, counts as cancelled. A trade recorded as closed (a verified
   * TRADE_CLOSED) is not asked about again. A paid trade cannot be closed: the core's
   * `TradeNotClosableError` comes back as a refusal whose message says to refund instead.
   */
  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = input.data ?? {};
    const trade = await this.sessionTrade(data);
    if (!trade) return { data };
    const { outTradeNo, ids, stored } = trade;
    // Closed already (Alipay closed a paid escrow trade: the lifecycle cancels its payment): nothing to ask.
    if (stored?.status === 'closed') {
      this.logger_.info(logLine('cancel: the trade is closed already', ids));
      return { data: { ...data, alipay_status: 'closed' } };
    }
    const { alipay } = await this.facadeForTrade(data);
    let existed: boolean;
    try {
      ({ existed } = await alipay.closeTrade({ outTradeNo, tradeNo: text(data.trade_no) }));
    } catch (error) {
      throw alipayError({ en: 'close trade', zh: '关闭交易' }, error);
    }
    await this.alipayModule().releaseTradeQuery(outTradeNo);
    this.logger_.info(logLine(existed ? 'trade closed' : 'cancel: Alipay has no such trade', ids));
    return { data: { ...data, alipay_status: 'closed' } };
  }

  /** The trade a session's `data` names, with its verified state; `null` when it names none. */
  private async sessionTrade(data: Record<string, unknown>) {
    const outTradeNo = text(data.out_trade_no);
    if (!outTradeNo) return null;
    const ids = { outTradeNo, trade: text(data.trade_no) };
    return { outTradeNo, ids, stored: await this.alipayModule().getVerifiedTrade(outTradeNo) };
  }

  /**
   * Called when Medusa drops a session (a new one replaces it, the cart changed, the collection is
   * deleted). Closes the unpaid trade so that an old cashier page can no longer be paid. A trade the
   * buyer has paid already (recorded as paid, or Alipay refuses the close because it is) is refused:
   * the session stays, so that its payment completes the cart, and the new attempt fails with a
   * bilingual message — no second payment can race the first one. When Alipay is unreachable it only
   * logs; a payment that arrives later for the dropped session is recorded as an orphan (the trade's
   * start record still knows it) and refunded by the orphan policy.
   */
  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    const data = input.data ?? {};
    const trade = await this.sessionTrade(data);
    if (!trade) return { data };
    const { outTradeNo, ids, stored } = trade;
    let paid = Boolean(stored && isPaidStatus(stored.status));
    if (!paid) {
      try {
        const { alipay } = await this.facadeForTrade(data);
        await alipay.closeTrade({ outTradeNo, tradeNo: text(data.trade_no) });
      } catch (error) {
        if (error instanceof TradeNotClosableError) paid = true;
        else
          this.logger_.warn(
            logLine(
              `could not close the trade of a deleted session: ${alipayError({ en: 'close trade', zh: '关闭交易' }, error).message}`,
              ids,
            ),
          );
      }
    }
    if (paid) {
      this.logger_.warn(logLine('a paid trade’s session is kept: the new payment attempt is refused', ids));
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, PAID_SESSION_KEPT_MESSAGE);
    }
    return { data };
  }
  /** See {@link refundPayment} (refund-payment.ts): the core's refund rules, safe under concurrency and crashes. */
  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    return refundPayment(this.steps_(), input);
  }

  /** The stored data, with the trade's current verified state when Alipay knows the trade. */
  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const data = input.data ?? {};
    if (!text(data.out_trade_no)) return { data };
    return { data: withTrade(data, await tradeState(this.steps_(), data)) };
  }

  /**
   * A changed amount needs a new signed request. While Alipay has no trade yet (the buyer has not
   * opened the cashier) the session is rebuilt under the same `out_trade_no`; once the trade exists
   * its amount is fixed, and the storefront must create a new payment session instead.
   */
  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const data = input.data ?? {};
    const outTradeNo = text(data.out_trade_no);
    // Sessions written by this provider always hold both; before issue 15 they were the same value.
    const sessionId = text(data.session_id) ?? outTradeNo;
    if (!outTradeNo || !sessionId) return { data };
    const unchanged =
      text(data.amount) === fenToAmount(amountToFen(input.amount)) &&
      input.currency_code?.toUpperCase() === (text(data.currency) ?? 'CNY').toUpperCase();
    if (unchanged) return { data, status: PaymentSessionStatus.PENDING };
    const state = await tradeState(this.steps_(), data);
    if (state.status !== null) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Alipay trade ${outTradeNo} already exists with its amount; create a new payment session. / ` +
          `支付宝交易 ${outTradeNo} 已创建，金额不能修改，请创建新的支付会话。`,
      );
    }
    return {
      data: await startTrade(this.steps_(), sessionId, outTradeNo, data, input.amount, input.currency_code),
      status: PaymentSessionStatus.PENDING,
    };
  }

  /**
   * Events on Medusa's generic `/hooks/payment/alipay_<id>` route are ignored: that route answers
   * `OK` before anything is verified, while Alipay needs exactly `success` after verification. Alipay
   * notifications go to this plugin's `/hooks/alipay/notify/:providerId` route instead.
   */
  async getWebhookActionAndData(_payload: ProviderWebhookPayload['payload']): Promise<WebhookActionResult> {
    this.logger_.warn(
      '[alipay] ignored an event on /hooks/payment: Alipay notifications are handled by /hooks/alipay/notify.',
    );
    return { action: PaymentActions.NOT_SUPPORTED };
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /**
   * The ID this provider is registered under (`pp_alipay_<id>`), for the notify and return URLs.
   * Medusa does not hand a provider its own ID: it is found among the payment module's registered
   * providers (the one resolving to this instance), or from the config when there is a single one.
   */
  protected providerId(): string {
    if (this.providerId_) return this.providerId_;
    const cradle = this.container as Record<string, unknown>;
    let registered: string[] = [];
    try {
      registered = ((cradle.payment_providers as string[] | undefined) ?? []).filter(key =>
        key.startsWith(`pp_${PROVIDER_IDENTIFIER}_`),
      );
    } catch {
      // Not resolvable in this container: fall back to the config below.
    }
    for (const key of registered) {
      try {
        if (cradle[key] === this) {
          this.providerId_ = key;
          return key;
        }
      } catch {
        // A sibling provider failed to construct; not us.
      }
    }
    const configured = alipayProviderIds(cradle.configModule as ConfigModule);
    const [only] = registered.length === 1 ? registered : configured;
    if (only && (registered.length === 1 || configured.length === 1)) {
      this.providerId_ = only;
      return only;
    }
    throw new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      'The Alipay provider cannot determine its own ID.',
    );
  }

  /**
   * The `alipay` module, resolved from the payment module's container at call time (never
   * in the constructor: module containers are wired lazily).
   * @throws MedusaError explaining the missing `dependencies: ["alipay"]` when unreachable.
   */
  protected alipayModule(): AlipayModuleService {
    try {
      const module = this.container[ALIPAY_MODULE] as AlipayModuleService | undefined;
      if (module) return module;
    } catch {
      // Awilix throws a resolution error; replaced below by one that says how to fix it.
    }
    throw new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      'The Alipay payment provider cannot reach the "alipay" module. In medusa-config, list ' +
        '"@alipay-commerce/medusa" under plugins and add dependencies: ["alipay"] to the ' +
        '"@medusajs/medusa/payment" module entry. / 支付宝支付提供方无法访问 "alipay" 模块：请在 ' +
        'medusa-config 的 plugins 中加入 "@alipay-commerce/medusa"，并在 "@medusajs/medusa/payment" 模块配置中加入 ' +
        'dependencies: ["alipay"]。',
    );
  }

  /**
   * The core facade for a settings scope (a sales channel ID, or the global settings), from the
   * current settings: for starting new payments only.
   */
  protected facade(salesChannelId: string | undefined | null): Promise<ScopedAlipay> {
    return this.alipayModule().getAlipay(
      providerSettingsScope(this.options_) ?? salesChannelId ?? null,
      this.options_.settings ?? {},
    );
  }

  /**
   * The core facade for the existing trade of a session's (or payment's) `data`: built for the
   * interface type the trade was created with (recorded in `data` by {@link startTrade}), so a
   * merchant who switched between legacy and OpenAPI still handles older trades with their own
   * gateway and credentials.
   * @throws AlipayTradeCredentialsError when that generation's credentials are no longer configured.
   */
  protected facadeForTrade(data: Record<string, unknown>): Promise<ScopedAlipay> {
    return this.alipayModule().getAlipayForTrade(
      providerSettingsScope(this.options_) ?? text(data.sales_channel_id) ?? null,
      tradeOriginOf(data),
      this.options_.settings ?? {},
      text(data.out_trade_no),
    );
  }

  /** What the provider's steps (start-trade.ts, trade-state.ts, refund-payment.ts) use of it. */
  private steps_(): ProviderContext {
    return {
      logger: this.logger_,
      options: this.options_,
      providerId: () => this.providerId(),
      alipayModule: () => this.alipayModule(),
      facade: salesChannelId => this.facade(salesChannelId),
      facadeForTrade: data => this.facadeForTrade(data),
    };
  }
}
