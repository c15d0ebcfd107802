import { Migration } from '@medusajs/framework/mikro-orm/migrations';

/**
 * `alipay_trade_start`: how each trade was started (settings scope, interface, gateway, seller, amount),
 * kept after Medusa deletes the payment session. Generated with `medusa plugin:db:generate`.
 */
export class Migration20261205224048 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_trade_start" drop constraint if exists "alipay_trade_start_out_trade_no_unique";`,
    );
    this.addSql(
      `create table if not exists "alipay_trade_start" ("id" text not null, "out_trade_no" text not null, "provider_id" text not null, "scope" text not null, "amount" text not null, "origin" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "alipay_trade_start_pkey" primary key ("id"));`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_trade_start_deleted_at" ON "alipay_trade_start" ("deleted_at") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_alipay_trade_start_out_trade_no_unique" ON "alipay_trade_start" ("out_trade_no") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_trade_start_created_at" ON "alipay_trade_start" ("created_at") WHERE deleted_at IS NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "alipay_trade_start" cascade;`);
  }
}
