import { INTERFACE_TYPES } from '@alipay-commerce/core';
import { model } from '@medusajs/framework/utils';
import { CHARSETS } from '../../../shared/settings-fields';

/**
 * One row per scope: `scope = 'global'` for the shop-wide settings, a sales channel ID for that
 * channel's overrides (marketplace sellers), or `configuration:<name>` for the stand-alone settings of a
 * provider with its own `settingsScope` (e.g. an Antom contract next to the mainland one). Every column is nullable: on a channel row `null`
 * means "inherit from the global row".
 *
 * Secrets live only in the `*_ciphertext` columns, AES-256-GCM encrypted (see `secret-box.ts`).
 */
export const AlipaySettings = model
  .define('alipay_settings', {
    id: model.id({ prefix: 'alipayset' }).primaryKey(),
    scope: model.text(),
    interface_type: model.enum([...INTERFACE_TYPES]).nullable(),
    gateway: model.text().nullable(),
    partner_id: model.text().nullable(),
    key_ciphertext: model.text().nullable(),
    seller_email: model.text().nullable(),
    seller_id: model.text().nullable(),
    charset: model.enum([...CHARSETS]).nullable(),
    refund_without_password: model.boolean().nullable(),
    app_id: model.text().nullable(),
    app_private_key_ciphertext: model.text().nullable(),
    alipay_public_key: model.text().nullable(),
    app_certificate: model.text().nullable(),
    alipay_certificate: model.text().nullable(),
    alipay_root_certificate: model.text().nullable(),
    encrypt_key_ciphertext: model.text().nullable(),
    app_auth_token_ciphertext: model.text().nullable(),
    always_qr_on_desktop: model.boolean().nullable(),
    antom_client_id: model.text().nullable(),
    antom_private_key_ciphertext: model.text().nullable(),
    antom_public_key: model.text().nullable(),
    antom_region: model.text().nullable(),
    antom_key_version: model.text().nullable(),
    antom_payment_methods: model.text().nullable(),
  })
  .indexes([{ on: ['scope'], unique: true }]);
