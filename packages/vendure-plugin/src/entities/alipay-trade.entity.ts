import type { DeepPartial, ID } from '@vendure/core';
import { EntityId, VendureEntity } from '@vendure/core';
import { Column, Entity, Index } from 'typeorm';

/** {@link AlipayTrade.status} of a trade Alipay has not reported on yet. */
export const ALIPAY_TRADE_CREATED = 'CREATED';

/**
 * One Alipay trade (one `out_trade_no`) created for a Vendure order: the idempotency record that
 * lets the notify handler, the return-page sync and reconciliation agree on what was asked for.
 *
 * An order can have several trades (a superseded amount, a new device, a retry after closing), but
 * an `out_trade_no` belongs to exactly one trade, and so does Alipay's `trade_no` once known. Both
 * are enforced by unique indexes so that two concurrent writers cannot both succeed.
 */
@Entity()
export class AlipayTrade extends VendureEntity {
  /** Creates a trade record; TypeORM also calls this without arguments when loading rows. */
  constructor(input?: DeepPartial<AlipayTrade>) {
    super(input);
  }

  /** The merchant's trade number sent to Alipay (`out_trade_no`, at most 64 characters). */
  @Index({ unique: true })
  @Column('varchar', { length: 64 })
  outTradeNo!: string;

  /**
   * Alipay's trade number (`trade_no`), known once Alipay has reported the trade. Unique: several
   * rows may still be NULL, because SQLite, PostgreSQL and MySQL all treat NULLs as distinct in a
   * unique index.
   */
  @Index({ unique: true })
  @Column('varchar', { length: 64, nullable: true })
  tradeNo!: string | null;

  /** The channel the order belongs to; notifications are resolved against it. */
  @Index()
  @EntityId()
  channelId!: ID;

  /** Code of the Vendure `PaymentMethod` whose settings (keys, gateway) created the trade. */
  @Column('varchar', { length: 255 })
  paymentMethodCode!: string;

  /** The Alipay interface the trade was created with (an `interfaceType` argument value). */
  @Column('varchar', { length: 32 })
  interfaceType!: string;

  /**
   * The settings both generations share (gateway, seller) as they were when the trade was made; `null` for
   * trades made before they were recorded. After the payment method switches to the other generation
   * (legacy ↔ OpenAPI), these arguments hold that generation's values, so operations on this trade use the
   * recorded ones (see `settingsForTrade`). Never holds a secret.
   */
  @Column('simple-json', { nullable: true })
  createdWith!: AlipayTradeSettings | null;

  /** Code of the Vendure order being paid. */
  @Index()
  @Column('varchar', { length: 255 })
  orderCode!: string;

  /** ID of the Vendure order being paid. */
  @Index()
  @EntityId()
  orderId!: ID;

  /**
   * The amount requested from Alipay in fen (分, the CNY minor unit), the same integer unit Vendure
   * uses for prices. A notification is only accepted if its amount matches.
   */
  @Column('int')
  amountFen!: number;

  /**
   * What the plugin last knew about the trade: `CREATED` until Alipay reports anything, then
   * Alipay's own `trade_status` (`WAIT_BUYER_PAY`, `TRADE_SUCCESS`, `TRADE_FINISHED`, `TRADE_CLOSED`,
   * or a legacy escrow state such as `WAIT_SELLER_SEND_GOODS`). The plugin's own states are
   * `START_FAILED` (Alipay refused to start it), `SUPERSEDED` (a newer attempt replaced it, it was
   * closed) and `ABANDONED` (never paid, no longer queried). An open string because the set differs
   * between the legacy and OpenAPI interfaces.
   */
  @Index()
  @Column('varchar', { length: 32, default: ALIPAY_TRADE_CREATED })
  status!: string;

  /**
   * The parameters of the last verified event about this trade (notification or query result), as
   * the strings Alipay sent. Kept for support and reconciliation; never holds keys.
   */
  @Column('simple-json', { nullable: true })
  lastEvent!: Record<string, string> | null;

  /**
   * The Alipay interface the payment was started with (`alipay.trade.page.pay`,
   * `create_partner_trade_by_buyer`, …), known once the intent was built.
   */
  @Column('varchar', { length: 64, nullable: true })
  paymentInterface!: string | null;

  /** When a QR code stops being payable (face-to-face precreate only). */
  @Column({ type: Date, nullable: true })
  expiresAt!: Date | null;

  /** When a newer intent for the same order replaced this trade (and the plugin tried to close it). */
  @Column({ type: Date, nullable: true })
  supersededAt!: Date | null;

  /** When reconciliation last asked Alipay about this trade. */
  @Column({ type: Date, nullable: true })
  lastQueriedAt!: Date | null;

  /** When the escrow shipment (发货) was confirmed to Alipay. */
  @Column({ type: Date, nullable: true })
  shipmentConfirmedAt!: Date | null;

  /**
   * Set when Alipay reports this trade paid but the order cannot take the money (an orphan payment, the
   * core's `OrphanReason`): the money has to go back to the buyer. Its refund is an `AlipayRefund` with
   * origin `orphan`.
   */
  @Index()
  @Column('varchar', { length: 32, nullable: true })
  orphanReason!: string | null;

  /** When the orphan was detected. */
  @Column({ type: Date, nullable: true })
  orphanDetectedAt!: Date | null;
}

/** The shared, non-secret settings a trade was made with (see {@link AlipayTrade.createdWith}). */
export interface AlipayTradeSettings {
  /** The `gateway` argument: `production`, `sandbox` or a URL. */
  gateway?: string;
  /** The `sellerId` argument. */
  sellerId?: string;
  /** The `sellerEmail` argument. */
  sellerEmail?: string;
}
