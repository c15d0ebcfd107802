import { definePolicies } from '@medusajs/framework/utils';

/**
 * RBAC resources of the plugin's admin routes (`/admin/alipay/*`), used when Medusa's RBAC is on
 * (`MEDUSA_FF_RBAC=true`); Medusa syncs these definitions to its policy table at start, and a role is
 * granted them like Medusa's own.
 *
 * - `alipay_settings`: read the settings page; update saves settings, validates, tests credentials.
 * - `alipay_credentials`: update is needed, on top of `alipay_settings:update`, to change the gateway,
 *   keys, certificates or seller IDs (the core's `PROTECTED_SETTINGS`) or to drop a sales channel's
 *   overrides: whoever holds it decides where money and signed calls go.
 * - `alipay_event`: read the journal of events needing a person; update resolves them.
 * - `alipay_payment`: read an order's Alipay panel; update refunds orphan payments and retries
 *   escrow shipment confirmations.
 */
export const ALIPAY_RBAC = {
  settings: 'alipay_settings',
  credentials: 'alipay_credentials',
  event: 'alipay_event',
  payment: 'alipay_payment',
} as const;

/** The plugin's policy definitions, one per resource and operation its routes check. */
export const alipayPolicies = definePolicies([
  {
    name: 'ReadAlipaySettings',
    resource: ALIPAY_RBAC.settings,
    operation: 'read',
    description: 'See the Alipay settings (secrets masked)',
  },
  {
    name: 'UpdateAlipaySettings',
    resource: ALIPAY_RBAC.settings,
    operation: 'update',
    description: 'Save, validate and test the Alipay settings',
  },
  {
    name: 'UpdateAlipayCredentials',
    resource: ALIPAY_RBAC.credentials,
    operation: 'update',
    description: 'Change the Alipay gateway, keys, certificates and seller IDs',
  },
  {
    name: 'ReadAlipayEvents',
    resource: ALIPAY_RBAC.event,
    operation: 'read',
    description: 'See Alipay events that need a person',
  },
  {
    name: 'UpdateAlipayEvents',
    resource: ALIPAY_RBAC.event,
    operation: 'update',
    description: 'Resolve Alipay events',
  },
  {
    name: 'ReadAlipayPayments',
    resource: ALIPAY_RBAC.payment,
    operation: 'read',
    description: "See an order's Alipay trades",
  },
  {
    name: 'UpdateAlipayPayments',
    resource: ALIPAY_RBAC.payment,
    operation: 'update',
    description: 'Refund Alipay orphan payments and retry shipment confirmations',
  },
]);
