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
import { type AlipaySettingsModuleOptions, type SettingsRecords, SettingsStore } from './settings-store';
import type { ModuleRepository } from './store-types';
import { TradeStore } from './trade-store';

export type {
  AcceptedClaim,
  AcceptedTradeEvent,
  ClaimResult,
  ClaimState,
} from './claim-store';
export { CLAIM_HEARTBEAT_MS, DEFAULT_CLAIM_LEASE_MS } from './claim-store';
export type { JournalEntry } from './journal';
export type { SettledRefund } from './refund-recording-store';
export type { NewRefund, RefundRow } from './refund-store';
export {
  AlipaySettingsInvalidError,
  AlipayTradeCredentialsError,
  NOT_CONFIGURED_MESSAGE,
  type SettingsIssue,
} from './settings-errors';
export { type FallbackSettings, GLOBAL_SCOPE } from './settings-rows';
export type { AlipaySettingsModuleOptions, ScopedAlipay } from './settings-store';
export type { TradeStartRow, VerifiedTrade } from './trade-store';

/**
 * The `alipay_settings` module: Alipay credentials and options edited under Settings → Alipay, one
 * row per scope (global, or per sales channel for marketplace sellers), secrets encrypted at rest;
 * and the plugin's records of trades, refunds, notification claims, shipments and the journal.
 *
 * One service, as Medusa resolves a module: each group of methods is a store of its own (settings,
 * trades, refunds, refund recording, claims, journal), and this class delegates to them, so every
 * method stays callable on the service as `container.resolve("alipay_settings").<method>`. Inside the
 * payment provider it is reachable only when the payment module lists `dependencies: ["alipay_settings"]`.
 */
export default class AlipaySettingsModuleService
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

  private readonly settings_: SettingsStore;
  private readonly trades_: TradeStore;
  private readonly refunds_: RefundStore;
  private readonly recordings_: RefundRecordingStore;
  private readonly claims_: ClaimStore;
  private readonly journal_: Journal;

  // biome-ignore lint/suspicious/noExplicitAny: MedusaService's constructor takes the module's cradle as it comes
  constructor(_cradle: any, options?: AlipaySettingsModuleOptions) {
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

  // ---------------------------------------------------------------------------------------------
  // Settings (see settings-store.ts)

  /** {@link SettingsStore.getSettings} */
  getSettings(...args: Parameters<SettingsStore['getSettings']>): ReturnType<SettingsStore['getSettings']> {
    return this.settings_.getSettings(...args);
  }

  /** {@link SettingsStore.getAlipay} */
  getAlipay(...args: Parameters<SettingsStore['getAlipay']>): ReturnType<SettingsStore['getAlipay']> {
    return this.settings_.getAlipay(...args);
  }

  /** {@link SettingsStore.getAlipayForTrade} */
  getAlipayForTrade(
    ...args: Parameters<SettingsStore['getAlipayForTrade']>
  ): ReturnType<SettingsStore['getAlipayForTrade']> {
    return this.settings_.getAlipayForTrade(...args);
  }

  /** {@link SettingsStore.getAdminView} */
  getAdminView(
    ...args: Parameters<SettingsStore['getAdminView']>
  ): ReturnType<SettingsStore['getAdminView']> {
    return this.settings_.getAdminView(...args);
  }

  /** {@link SettingsStore.saveSettings} */
  saveSettings(
    ...args: Parameters<SettingsStore['saveSettings']>
  ): ReturnType<SettingsStore['saveSettings']> {
    return this.settings_.saveSettings(...args);
  }

  /** {@link SettingsStore.checkSettings} */
  checkSettings(
    ...args: Parameters<SettingsStore['checkSettings']>
  ): ReturnType<SettingsStore['checkSettings']> {
    return this.settings_.checkSettings(...args);
  }

  /** {@link SettingsStore.deleteSalesChannelSettings} */
  deleteSalesChannelSettings(
    ...args: Parameters<SettingsStore['deleteSalesChannelSettings']>
  ): ReturnType<SettingsStore['deleteSalesChannelSettings']> {
    return this.settings_.deleteSalesChannelSettings(...args);
  }

  // ---------------------------------------------------------------------------------------------
  // Verified trade state and trade starts (see trade-store.ts)

  /** {@link TradeStore.recordVerifiedTrade} */
  recordVerifiedTrade(
    ...args: Parameters<TradeStore['recordVerifiedTrade']>
  ): ReturnType<TradeStore['recordVerifiedTrade']> {
    return this.trades_.recordVerifiedTrade(...args);
  }

  /** {@link TradeStore.getVerifiedTrade} */
  getVerifiedTrade(
    ...args: Parameters<TradeStore['getVerifiedTrade']>
  ): ReturnType<TradeStore['getVerifiedTrade']> {
    return this.trades_.getVerifiedTrade(...args);
  }

  /** {@link TradeStore.getVerifiedTradeByTradeNo} */
  getVerifiedTradeByTradeNo(
    ...args: Parameters<TradeStore['getVerifiedTradeByTradeNo']>
  ): ReturnType<TradeStore['getVerifiedTradeByTradeNo']> {
    return this.trades_.getVerifiedTradeByTradeNo(...args);
  }

  /** {@link TradeStore.recordTradeStart} */
  recordTradeStart(
    ...args: Parameters<TradeStore['recordTradeStart']>
  ): ReturnType<TradeStore['recordTradeStart']> {
    return this.trades_.recordTradeStart(...args);
  }

  /** {@link TradeStore.claimTradeQuery} */
  claimTradeQuery(
    ...args: Parameters<TradeStore['claimTradeQuery']>
  ): ReturnType<TradeStore['claimTradeQuery']> {
    return this.trades_.claimTradeQuery(...args);
  }

  /** {@link TradeStore.releaseTradeQuery} */
  releaseTradeQuery(
    ...args: Parameters<TradeStore['releaseTradeQuery']>
  ): ReturnType<TradeStore['releaseTradeQuery']> {
    return this.trades_.releaseTradeQuery(...args);
  }

  /** {@link TradeStore.getTradeStart} */
  getTradeStart(...args: Parameters<TradeStore['getTradeStart']>): ReturnType<TradeStore['getTradeStart']> {
    return this.trades_.getTradeStart(...args);
  }

  /** {@link TradeStore.unsettledTradeStarts} */
  unsettledTradeStarts(
    ...args: Parameters<TradeStore['unsettledTradeStarts']>
  ): ReturnType<TradeStore['unsettledTradeStarts']> {
    return this.trades_.unsettledTradeStarts(...args);
  }

  /** {@link TradeStore.markOrphanTrade} */
  markOrphanTrade(
    ...args: Parameters<TradeStore['markOrphanTrade']>
  ): ReturnType<TradeStore['markOrphanTrade']> {
    return this.trades_.markOrphanTrade(...args);
  }

  /** {@link TradeStore.orphanTradesWithoutRefund} */
  orphanTradesWithoutRefund(
    ...args: Parameters<TradeStore['orphanTradesWithoutRefund']>
  ): ReturnType<TradeStore['orphanTradesWithoutRefund']> {
    return this.trades_.orphanTradesWithoutRefund(...args);
  }

  // ---------------------------------------------------------------------------------------------
  // Refund ledger (see refund-store.ts)

  /** {@link RefundStore.listTradeRefunds} */
  listTradeRefunds(
    ...args: Parameters<RefundStore['listTradeRefunds']>
  ): ReturnType<RefundStore['listTradeRefunds']> {
    return this.refunds_.listTradeRefunds(...args);
  }

  /** {@link RefundStore.listRefundsOfTrades} */
  listRefundsOfTrades(
    ...args: Parameters<RefundStore['listRefundsOfTrades']>
  ): ReturnType<RefundStore['listRefundsOfTrades']> {
    return this.refunds_.listRefundsOfTrades(...args);
  }

  /** {@link RefundStore.refundByRequestNo} */
  refundByRequestNo(
    ...args: Parameters<RefundStore['refundByRequestNo']>
  ): ReturnType<RefundStore['refundByRequestNo']> {
    return this.refunds_.refundByRequestNo(...args);
  }

  /** {@link RefundStore.refundByMedusaRefundId} */
  refundByMedusaRefundId(
    ...args: Parameters<RefundStore['refundByMedusaRefundId']>
  ): ReturnType<RefundStore['refundByMedusaRefundId']> {
    return this.refunds_.refundByMedusaRefundId(...args);
  }

  /** {@link RefundStore.openRefund} */
  openRefund(...args: Parameters<RefundStore['openRefund']>): ReturnType<RefundStore['openRefund']> {
    return this.refunds_.openRefund(...args);
  }

  /** {@link RefundStore.countRefundAttempt} */
  countRefundAttempt(
    ...args: Parameters<RefundStore['countRefundAttempt']>
  ): ReturnType<RefundStore['countRefundAttempt']> {
    return this.refunds_.countRefundAttempt(...args);
  }

  /** {@link RefundStore.storeRefundAttempt} */
  storeRefundAttempt(
    ...args: Parameters<RefundStore['storeRefundAttempt']>
  ): ReturnType<RefundStore['storeRefundAttempt']> {
    return this.refunds_.storeRefundAttempt(...args);
  }

  /** {@link RefundStore.settleRefunds} */
  settleRefunds(...args: Parameters<RefundStore['settleRefunds']>): ReturnType<RefundStore['settleRefunds']> {
    return this.refunds_.settleRefunds(...args);
  }

  /** {@link RefundStore.failRefund} */
  failRefund(...args: Parameters<RefundStore['failRefund']>): ReturnType<RefundStore['failRefund']> {
    return this.refunds_.failRefund(...args);
  }

  /** {@link RefundStore.noteRefundError} */
  noteRefundError(
    ...args: Parameters<RefundStore['noteRefundError']>
  ): ReturnType<RefundStore['noteRefundError']> {
    return this.refunds_.noteRefundError(...args);
  }

  /** {@link RefundStore.openRefundsBefore} */
  openRefundsBefore(
    ...args: Parameters<RefundStore['openRefundsBefore']>
  ): ReturnType<RefundStore['openRefundsBefore']> {
    return this.refunds_.openRefundsBefore(...args);
  }

  // ---------------------------------------------------------------------------------------------
  // Settled refunds and their recording (see refund-recording-store.ts)

  /** {@link RefundRecordingStore.insertSettledRefund} */
  insertSettledRefund(
    ...args: Parameters<RefundRecordingStore['insertSettledRefund']>
  ): ReturnType<RefundRecordingStore['insertSettledRefund']> {
    return this.recordings_.insertSettledRefund(...args);
  }

  /** {@link RefundRecordingStore.lockForRecording} */
  lockForRecording(
    ...args: Parameters<RefundRecordingStore['lockForRecording']>
  ): ReturnType<RefundRecordingStore['lockForRecording']> {
    return this.recordings_.lockForRecording(...args);
  }

  /** {@link RefundRecordingStore.linkRecordedRefund} */
  linkRecordedRefund(
    ...args: Parameters<RefundRecordingStore['linkRecordedRefund']>
  ): ReturnType<RefundRecordingStore['linkRecordedRefund']> {
    return this.recordings_.linkRecordedRefund(...args);
  }

  /** {@link RefundRecordingStore.releaseRecordingLock} */
  releaseRecordingLock(
    ...args: Parameters<RefundRecordingStore['releaseRecordingLock']>
  ): ReturnType<RefundRecordingStore['releaseRecordingLock']> {
    return this.recordings_.releaseRecordingLock(...args);
  }

  /** {@link RefundRecordingStore.unrecordedRefunds} */
  unrecordedRefunds(
    ...args: Parameters<RefundRecordingStore['unrecordedRefunds']>
  ): ReturnType<RefundRecordingStore['unrecordedRefunds']> {
    return this.recordings_.unrecordedRefunds(...args);
  }

  /** {@link RefundRecordingStore.linkedRefundsBetween} */
  linkedRefundsBetween(
    ...args: Parameters<RefundRecordingStore['linkedRefundsBetween']>
  ): ReturnType<RefundRecordingStore['linkedRefundsBetween']> {
    return this.recordings_.linkedRefundsBetween(...args);
  }

  // ---------------------------------------------------------------------------------------------
  // Notification claims (see claim-store.ts)

  /** {@link ClaimStore.claimNotification} */
  claimNotification(
    ...args: Parameters<ClaimStore['claimNotification']>
  ): ReturnType<ClaimStore['claimNotification']> {
    return this.claims_.claimNotification(...args);
  }

  /** {@link ClaimStore.finishClaim} */
  finishClaim(...args: Parameters<ClaimStore['finishClaim']>): ReturnType<ClaimStore['finishClaim']> {
    return this.claims_.finishClaim(...args);
  }

  /** {@link ClaimStore.acceptClaim} */
  acceptClaim(...args: Parameters<ClaimStore['acceptClaim']>): ReturnType<ClaimStore['acceptClaim']> {
    return this.claims_.acceptClaim(...args);
  }

  /** {@link ClaimStore.refreshClaims} */
  refreshClaims(...args: Parameters<ClaimStore['refreshClaims']>): ReturnType<ClaimStore['refreshClaims']> {
    return this.claims_.refreshClaims(...args);
  }

  /** {@link ClaimStore.takeOverStaleAcceptedClaims} */
  takeOverStaleAcceptedClaims(
    ...args: Parameters<ClaimStore['takeOverStaleAcceptedClaims']>
  ): ReturnType<ClaimStore['takeOverStaleAcceptedClaims']> {
    return this.claims_.takeOverStaleAcceptedClaims(...args);
  }

  /** {@link ClaimStore.postponeAcceptedClaim} */
  postponeAcceptedClaim(
    ...args: Parameters<ClaimStore['postponeAcceptedClaim']>
  ): ReturnType<ClaimStore['postponeAcceptedClaim']> {
    return this.claims_.postponeAcceptedClaim(...args);
  }

  /** {@link ClaimStore.releaseClaim} */
  releaseClaim(...args: Parameters<ClaimStore['releaseClaim']>): ReturnType<ClaimStore['releaseClaim']> {
    return this.claims_.releaseClaim(...args);
  }

  // ---------------------------------------------------------------------------------------------
  // Journal (see journal.ts)

  /** {@link Journal.recordEvent} */
  recordEvent(...args: Parameters<Journal['recordEvent']>): ReturnType<Journal['recordEvent']> {
    return this.journal_.recordEvent(...args);
  }
}
