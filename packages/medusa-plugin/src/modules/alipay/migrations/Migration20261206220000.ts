import { Migration } from '@medusajs/framework/mikro-orm/migrations';

/**
 * Antom (issue 20): interface type `antom` with its six settings (the private key encrypted like the other
 * secrets), and refunds made through the `antom` generation.
 */
export class Migration20261206220000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_settings" drop constraint if exists "alipay_settings_interface_type_check";`,
    );
    this.addSql(
      `alter table if exists "alipay_settings" add constraint "alipay_settings_interface_type_check" check ("interface_type" in ('legacy-direct', 'legacy-escrow', 'legacy-dual', 'openapi-page', 'openapi-page-wap', 'openapi-page-wap-qr', 'openapi-page-qr', 'openapi-qr', 'antom'));`,
    );
    this.addSql(
      `alter table if exists "alipay_settings" add column if not exists "antom_client_id" text null, add column if not exists "antom_private_key_ciphertext" text null, add column if not exists "antom_public_key" text null, add column if not exists "antom_region" text null, add column if not exists "antom_key_version" text null, add column if not exists "antom_payment_methods" text null;`,
    );
    this.addSql(
      `alter table if exists "alipay_refund" drop constraint if exists "alipay_refund_generation_check";`,
    );
    this.addSql(
      `alter table if exists "alipay_refund" add constraint "alipay_refund_generation_check" check ("generation" in ('legacy', 'openapi', 'antom'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table if exists "alipay_refund" drop constraint if exists "alipay_refund_generation_check";`,
    );
    this.addSql(
      `alter table if exists "alipay_refund" add constraint "alipay_refund_generation_check" check ("generation" in ('legacy', 'openapi'));`,
    );
    this.addSql(
      `alter table if exists "alipay_settings" drop column if exists "antom_client_id", drop column if exists "antom_private_key_ciphertext", drop column if exists "antom_public_key", drop column if exists "antom_region", drop column if exists "antom_key_version", drop column if exists "antom_payment_methods";`,
    );
    this.addSql(
      `alter table if exists "alipay_settings" drop constraint if exists "alipay_settings_interface_type_check";`,
    );
    this.addSql(
      `alter table if exists "alipay_settings" add constraint "alipay_settings_interface_type_check" check ("interface_type" in ('legacy-direct', 'legacy-escrow', 'legacy-dual', 'openapi-page', 'openapi-page-wap', 'openapi-page-wap-qr', 'openapi-page-qr', 'openapi-qr'));`,
    );
  }
}
