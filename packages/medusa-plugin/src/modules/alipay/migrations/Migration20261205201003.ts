import { Migration } from '@medusajs/framework/mikro-orm/migrations';

/**
 * The refund ledger (`alipay_refund`: one row per refund of a trade, its request number stored before
 * Alipay is called, one refund in flight per trade under the UNIQUE `in_flight_key`) and the orphan
 * mark of a trade (`alipay_trade.orphan_reason`). Generated with `medusa plugin:db:generate`.
 */
export class Migration20261205201003 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_refund" drop constraint if exists "alipay_refund_in_flight_key_unique";`,
    );
    this.addSql(
      `alter table if exists "alipay_refund" drop constraint if exists "alipay_refund_out_trade_no_request_no_unique";`,
    );
    this.addSql(
      `create table if not exists "alipay_refund" ("id" text not null, "out_trade_no" text not null, "trade_no" text null, "provider_id" text not null, "scope" text not null, "generation" text check ("generation" in ('legacy', 'openapi')) not null, "refund_id" text not null, "request_no" text not null, "amount" text not null, "status" text check ("status" in ('requested', 'pending', 'requires_action', 'uncertain', 'succeeded', 'failed')) not null, "origin" text check ("origin" in ('shop', 'alipay', 'orphan')) not null, "in_flight_key" text null, "settled_before" text not null, "medusa_refund_id" text null, "confirm_url" text null, "reason" text null, "error" text null, "attempts" integer not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "alipay_refund_pkey" primary key ("id"));`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_refund_deleted_at" ON "alipay_refund" ("deleted_at") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_alipay_refund_out_trade_no_request_no_unique" ON "alipay_refund" ("out_trade_no", "request_no") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_alipay_refund_in_flight_key_unique" ON "alipay_refund" ("in_flight_key") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_refund_request_no" ON "alipay_refund" ("request_no") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_refund_status" ON "alipay_refund" ("status") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_refund_medusa_refund_id" ON "alipay_refund" ("medusa_refund_id") WHERE deleted_at IS NULL;`,
    );

    this.addSql(`alter table if exists "alipay_trade" add column if not exists "orphan_reason" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "alipay_refund" cascade;`);

    this.addSql(`alter table if exists "alipay_trade" drop column if exists "orphan_reason";`);
  }
}
