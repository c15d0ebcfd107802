import { Migration } from '@medusajs/framework/mikro-orm/migrations';

export class Migration20261125203013 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_settings" drop constraint if exists "alipay_settings_scope_unique";`,
    );
    this.addSql(
      `create table if not exists "alipay_settings" ("id" text not null, "scope" text not null, "interface_type" text check ("interface_type" in ('legacy-direct', 'legacy-escrow', 'legacy-dual', 'openapi-page', 'openapi-page-wap', 'openapi-page-wap-qr', 'openapi-page-qr', 'openapi-qr')) null, "gateway" text null, "partner_id" text null, "key_ciphertext" text null, "seller_email" text null, "seller_id" text null, "charset" text check ("charset" in ('utf-8', 'gbk')) null, "refund_without_password" boolean null, "app_id" text null, "app_private_key_ciphertext" text null, "alipay_public_key" text null, "app_certificate" text null, "alipay_certificate" text null, "alipay_root_certificate" text null, "encrypt_key_ciphertext" text null, "app_auth_token_ciphertext" text null, "always_qr_on_desktop" boolean null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "alipay_settings_pkey" primary key ("id"));`,
    );
    this.addSql(
      `CREATE INDEX IF NOT EXISTS "IDX_alipay_settings_deleted_at" ON "alipay_settings" ("deleted_at") WHERE deleted_at IS NULL;`,
    );
    this.addSql(
      `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_alipay_settings_scope_unique" ON "alipay_settings" ("scope") WHERE deleted_at IS NULL;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "alipay_settings" cascade;`);
  }
}
