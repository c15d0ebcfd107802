import { resolveSettingsPolicy, type SettingsPolicy } from '@alipay-commerce/core';
import { MedusaService } from '@medusajs/framework/utils';
import { type ClaimRefresher, ClaimStore } from './claim-store';
import { Journal } from './journal';
import { AlipayEvent } from './models/alipay-event';
import { AlipayNotificationClaim } from './models/alipay-notification-claim';
import { AlipayRefund } from './models/alipay-refund';
import { AlipaySettings } from './models/alipay-settings';
import { AlipayShipment } from './models/alipay-shipment';
import { AlipayTrade } from './models/alipay-trade';
import { AlipayTradeStart } from './models/alipay-trade-start';
import { RefundRecordingStore } from './refund-recording-store';
import { RefundStore } from './refund-store';
import { type AlipayModuleOptions, type SettingsRecords, SettingsStore } from './settings-store';
import type { ModuleRepository } from './sql-store';
import { TradeStore } from './trade-store';

/**
 * The store methods the module service offers, by store: each is callable on the service as
 * `container.resolve("alipay").<method>` and runs on its store (see {@link AlipayModuleService}).
 */
const STORE_METHODS = {
  settings_: [
    'getSettings',
    'getAlipay',
    'getAlipayForTrade',
    'getAdminView',
    'saveSettings',
    'checkSettings',
    'deleteSalesChannelSettings',
  ],
  trades_: [
    'recordVerifiedTrade',
    'getVerifiedTrade',
    'getVerifiedTradeByTradeNo',
    'recordTradeStart',
    'claimTradeQuery',
    'releaseTradeQuery',
    'getTradeStart',
    'unsettledTradeStarts',
    'markOrphanTrade',
    'orphanTradesWithoutRefund',
  ],
  refunds_: [
    'listTradeRefunds',
    'listRefundsOfTrades',
    'refundByRequestNo',
    'refundByMedusaRefundId',
    'openRefund',
    'countRefundAttempt',
    'storeRefundAttempt',
    'settleRefunds',
    'failRefund',
    'noteRefundError',
    'openRefundsBefore',
  ],
  recordings_: [
    'insertSettledRefund',
    'lockForRecording',
    'linkRecordedRefund',
    'releaseRecordingLock',
    'unrecordedRefunds',
    'linkedRefundsBetween',
  ],
  claims_: [
    'claimNotification',
    'finishClaim',
    'acceptClaim',
    'refreshClaims',
    'takeOverStaleAcceptedClaims',
    'postponeAcceptedClaim',
    'releaseClaim',
  ],
  journal_: ['recordEvent'],
} as const satisfies {
  settings_: readonly (keyof SettingsStore)[];
  trades_: readonly (keyof TradeStore)[];
  refunds_: readonly (keyof RefundStore)[];
  recordings_: readonly (keyof RefundRecordingStore)[];
  claims_: readonly (keyof ClaimStore)[];
  journal_: readonly (keyof Journal)[];
};

type Offered<Store, Field extends keyof typeof STORE_METHODS> = Pick<
  Store,
  Extract<(typeof STORE_METHODS)[Field][number], keyof Store>
>;

/** The store methods of {@link STORE_METHODS}, as the service offers them. */
type StoreMethods = Offered<SettingsStore, 'settings_'> &
  Offered<TradeStore, 'trades_'> &
  Offered<RefundStore, 'refunds_'> &
  Offered<RefundRecordingStore, 'recordings_'> &
  Offered<ClaimStore, 'claims_'> &
  Offered<Journal, 'journal_'>;

/**
 * The `alipay` module: Alipay credentials and options edited under Settings → Alipay, one row per
 * scope (global, or per sales channel for marketplace sellers), secrets encrypted at rest; and the
 * plugin's records of trades, refunds, notification claims, shipments and the journal.
 *
 * One service, as Medusa resolves a module, and a thin one: the settings store, the trade store, the
 * refund stores, the claim store (with the heartbeat) and the journal do the work, and the service
 * offers their methods ({@link STORE_METHODS}) as its own, so that every one stays callable as
 * `container.resolve("alipay").<method>`. Inside the payment provider the module is reachable only when
 * the payment module lists `dependencies: ["alipay"]`.
 */
class AlipayModuleService
  extends MedusaService({
    AlipaySettings,
    AlipayTrade,
    AlipayTradeStart,
    AlipayNotificationClaim,
    AlipayEvent,
    AlipayShipment,
    AlipayRefund,
  })
  implements ClaimRefresher
{
  /**
   * What administrators may set (allowed gateways), from the plugin's options in medusa-config
   * (`allowedGateways`, `allowLoopbackGateway`) and the environment (`ALIPAY_ALLOWED_GATEWAYS`,
   * `ALIPAY_ALLOW_LOOPBACK_GATEWAY`): the deployment's decision, never the admin's.
   */
  readonly settingsPolicy: SettingsPolicy;

  protected readonly settings_: SettingsStore;
  protected readonly trades_: TradeStore;
  protected readonly refunds_: RefundStore;
  protected readonly recordings_: RefundRecordingStore;
  protected readonly claims_: ClaimStore;
  protected readonly journal_: Journal;

  // biome-ignore lint/suspicious/noExplicitAny: MedusaService's constructor takes the module's cradle as it comes
  constructor(_cradle: any, options?: AlipayModuleOptions) {
    // biome-ignore lint/complexity/noArguments: MedusaService reads every constructor argument
    super(...arguments);
    this.settingsPolicy = resolveSettingsPolicy(
      { allowedGateways: options?.allowedGateways, allowLoopbackGateway: options?.allowLoopbackGateway },
      process.env,
    );
    // Set by MedusaService's constructor, not in its typings.
    const repository = (this as unknown as { baseRepository_: ModuleRepository }).baseRepository_;
    // The generated methods, typed by the models, are wider than what the stores call.
    this.settings_ = new SettingsStore(this as unknown as SettingsRecords, repository, this.settingsPolicy);
    this.trades_ = new TradeStore(repository);
    this.refunds_ = new RefundStore(repository);
    this.recordings_ = new RefundRecordingStore(repository);
    this.claims_ = new ClaimStore(repository);
    this.journal_ = new Journal(this);
  }
}

// Types the store methods the loop below puts on the class's prototype (declaration merging).
interface AlipayModuleService extends StoreMethods {}

// Each offered method runs on its store, so the store's own decorators (entity manager, transaction)
// apply exactly as when the store is called directly.
for (const [field, names] of Object.entries(STORE_METHODS)) {
  for (const name of names) {
    Object.defineProperty(AlipayModuleService.prototype, name, {
      value(this: Record<string, Record<string, (...args: unknown[]) => unknown>>, ...args: unknown[]) {
        const store = this[field] as Record<string, (...args: unknown[]) => unknown>;
        return store[name]?.(...args);
      },
      writable: true,
      configurable: true,
    });
  }
}

export default AlipayModuleService;
