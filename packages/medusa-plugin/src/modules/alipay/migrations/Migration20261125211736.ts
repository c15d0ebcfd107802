import { Migration } from '@medusajs/framework/mikro-orm/migrations';

export class Migration20261125211736 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_trade" drop constraint if exists "alipay_trade_out_trade_no_unique";`,
    );
    this.addSql(
      `alter table if exists "alipay_shipment" drop constraint if exists "alipay_shipment_fulfillment_id_unique";`,
    );
    this.addSql(
      `alter table if exists "alipay_notification_claim" drop constraint if exists "alipay_notification_claim_trade_no_claim_key_unique";`,
    );
    this.addSql(
      `create table if not exists "alipay_event" ("id" text not null, "kind" text check ("kind" in ('notification', 'query', 'return', 'shipment', 'refund', 'orphan', 'rejection', 'error')) not null, "level" text check ("level" in ('info', 'warning', 'error')) not null, "provider_id" text null, "out_trade_no" text null, "trade_no" text null, "session_id" text null, "cart_id" text null, "order_id" text null, "message" text not null, "details" jsonb null, "resolved_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "alipay_event_pkey" primary key ("id"));`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_event_deleted_at" ON "alipay_event" ("deleted_at") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_event_order_id" ON "alipay_event" ("order_id") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_event_out_trade_no" ON "alipay_event" ("out_trade_no") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_event_kind_level" ON "alipay_event" ("kind", "level") WHERE deleted_at IS NULL;`,
    );

    this.addSql(
      `create table if not exists "alipay_notification_claim" ("id" text not null, "trade_no" text not null, "claim_key" text not null, "out_trade_no" text null, "session_id" text null, "source" text not null, "state" text check ("state" in ('processing', 'processed', 'ignored')) not null, "outcome" text null, "claimed_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "alipay_notification_claim_pkey" primary key ("id"));`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_notification_claim_deleted_at" ON "alipay_notification_claim" ("deleted_at") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_alipay_notification_claim_trade_no_claim_key_unique" ON "alipay_notification_claim" ("trade_no", "claim_key") WHERE deleted_at IS NULL;`,
    );

    this.addSql(
      `create table if not exists "alipay_shipment" ("id" text not null, "fulfillment_id" text not null, "order_id" text not null, "payment_id" text null, "provider_id" text not null, "scope" text not null, "out_trade_no" text not null, "trade_no" text not null, "carrier" text not null, "tracking_number" text null, "status" text check ("status" in ('pending', 'confirmed', 'failed')) not null, "attempts" integer not null default 0, "next_attempt_at" timestamptz null, "last_error" text null, "confirmed_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "alipay_shipment_pkey" primary key ("id"));`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_shipment_deleted_at" ON "alipay_shipment" ("deleted_at") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_alipay_shipment_fulfillment_id_unique" ON "alipay_shipment" ("fulfillment_id") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_shipment_status_next_attempt_at" ON "alipay_shipment" ("status", "next_attempt_at") WHERE deleted_at IS NULL;`,
    );

    this.addSql(
      `create table if not exists "alipay_trade" ("id" text not null, "out_trade_no" text not null, "session_id" text null, "provider_id" text not null, "scope" text not null, "trade_no" text null, "status" text check ("status" in ('waiting_payment', 'paid_awaiting_shipment', 'shipped_awaiting_receipt', 'paid', 'finished', 'closed')) not null, "alipay_status" text not null, "total_amount" text not null, "refunded_amount" text null, "source" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "alipay_trade_pkey" primary key ("id"));`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_trade_deleted_at" ON "alipay_trade" ("deleted_at") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_alipay_trade_out_trade_no_unique" ON "alipay_trade" ("out_trade_no") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_trade_trade_no" ON "alipay_trade" ("trade_no") WHERE deleted_at IS NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "alipay_event" cascade;`);

    this.addSql(`drop table if exists "alipay_notification_claim" cascade;`);

    this.addSql(`drop table if exists "alipay_shipment" cascade;`);

    this.addSql(`drop table if exists "alipay_trade" cascade;`);
  }
}
