/**
 * The admin API calls of Settings → Alipay and the shapes they answer, so the page's components hold
 * only state and layout.
 *
 * @packageDocumentation
 */

import type { Bilingual } from '@alipay-commerce/core/settings';
import type { RefundView } from '../../shared/refund-view';
import type {
  AlipaySettingsAdminView,
  SaveAlipaySettingsInput,
  SettingsFieldIssue,
} from '../../shared/settings-fields';
import { sdk } from './sdk';

const SETTINGS_PATH = '/admin/alipay/settings';

/** The core's messages of the last validation, by settings field. */
export type FieldIssues = Record<string, Bilingual>;

/** Result of "Test credentials" (the core's CredentialCheck). */
export interface CredentialResult {
  ok: boolean;
  code: string;
  message: Bilingual;
}

/** An orphan payment or a failure the merchant should look at (GET /admin/alipay/events?attention=true). */
export interface AttentionEvent {
  id: string;
  kind: string;
  level: string;
  out_trade_no: string | null;
  trade_no: string | null;
  order_id: string | null;
  message: string;
  created_at: string;
  /** Orphan payments: the refund of their money (the latest), or null when none was made. */
  orphan_refund?: RefundView | null;
  /** Orphan payments: how much of their money went back so far, in fen and in yuan. */
  orphan_refunded_fen?: number;
  orphan_refunded?: string;
}

/** A sales channel the admin can give its own seller. */
export interface SalesChannelOption {
  id: string;
  name: string;
}

/** Everything the page shows: the settings, the shop's sales channels and what needs attention. */
export async function loadSettingsPage(): Promise<{
  view: AlipaySettingsAdminView;
  channels: SalesChannelOption[];
  attention: AttentionEvent[];
}> {
  const view = await sdk.client.fetch<AlipaySettingsAdminView>(SETTINGS_PATH);
  const { sales_channels } = await sdk.admin.salesChannel.list({ limit: 200, fields: 'id,name' });
  const { events } = await sdk.client.fetch<{ events: AttentionEvent[] }>('/admin/alipay/events', {
    query: { attention: 'true', limit: 50 },
  });
  return {
    view,
    channels: sales_channels.map(channel => ({ id: channel.id, name: channel.name })),
    attention: events,
  };
}

/** Asks the server whether the core accepts the settings, without saving; returns the issues by field. */
export async function validateSettings(body: SaveAlipaySettingsInput): Promise<FieldIssues> {
  const result = await sdk.client.fetch<{ ok: boolean; issues: SettingsFieldIssue[] }>(
    `${SETTINGS_PATH}/validate`,
    { method: 'POST', body },
  );
  return Object.fromEntries(result.issues.map(issue => [issue.field, issue.message]));
}

/** Saves the global settings or one sales channel's overrides. */
export async function saveSettings(body: SaveAlipaySettingsInput): Promise<void> {
  await sdk.client.fetch(SETTINGS_PATH, { method: 'POST', body });
}

/** Deletes one sales channel's overrides. */
export async function deleteChannelOverride(salesChannelId: string): Promise<void> {
  await sdk.client.fetch(`${SETTINGS_PATH}/sales-channels/${encodeURIComponent(salesChannelId)}`, {
    method: 'DELETE',
  });
}

/** Asks Alipay whether the stored credentials work (of a provider's own configuration when given). */
export function testCredentials(configuration: string | null = null): Promise<CredentialResult> {
  return sdk.client.fetch<CredentialResult>(`${SETTINGS_PATH}/test-credentials`, {
    method: 'POST',
    body: configuration ? { configuration } : {},
  });
}

/** Marks a journal entry handled. */
export async function resolveEvent(id: string): Promise<void> {
  await sdk.client.fetch(`/admin/alipay/events/${encodeURIComponent(id)}/resolve`, { method: 'POST' });
}

/** Refunds an orphan payment (idempotent on the server: never a second refund while one is open). */
export async function refundOrphan(outTradeNo: string): Promise<RefundView> {
  const { refund } = await sdk.client.fetch<{ refund: RefundView; created: boolean }>(
    `/admin/alipay/orphans/${encodeURIComponent(outTradeNo)}/refund`,
    { method: 'POST' },
  );
  return refund;
}
