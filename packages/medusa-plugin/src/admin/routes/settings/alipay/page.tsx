import { defineRouteConfig } from '@medusajs/admin-sdk';
import { CreditCard } from '@medusajs/icons';
import { Container, Label, Text, toast } from '@medusajs/ui';
import { useCallback, useEffect, useState } from 'react';
import { REFUND_STATUS_LABELS } from '../../../../shared/refund-view';
import type {
  AlipaySettingsAdminView,
  MaskedAlipaySettings,
  SaveAlipaySettingsInput,
} from '../../../../shared/settings-fields';
import { AttentionList } from '../../../components/attention-list';
import { FieldErrors } from '../../../components/field';
import { type ChannelOverride, SellerOverrides } from '../../../components/seller-overrides';
import { SettingsSections } from '../../../components/settings-sections';
import { SettingsStatus } from '../../../components/settings-status';
import { MESSAGES, say } from '../../../lib/messages';
import { errorMessage } from '../../../lib/sdk';
import * as api from '../../../lib/settings-api';
import { bodyFromForm, formFromSettings, type SettingsForm } from '../../../lib/settings-form';

/**
 * Settings → Alipay: the merchant's Alipay credentials and options (a loop over the core's settings
 * schema), the setup's health, per-sales-channel sellers and what needs attention. Texts follow the
 * convention of `lib/messages.ts`: both languages, `English / 中文`.
 */
const AlipaySettingsPage = () => {
  const [view, setView] = useState<AlipaySettingsAdminView | null>(null);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [overrides, setOverrides] = useState<ChannelOverride[]>([]);
  const [channels, setChannels] = useState<api.SalesChannelOption[]>([]);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<api.FieldIssues>({});
  const [credentials, setCredentials] = useState<api.CredentialResult | null>(null);
  const [attention, setAttention] = useState<api.AttentionEvent[]>([]);
  /** Which settings the form edits: the global ones (`null`) or a provider's own configuration. */
  const [configuration, setConfiguration] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const loaded = await api.loadSettingsPage();
      setView(loaded.view);
      setForm(formFromSettings(maskedOf(loaded.view, configuration)));
      setOverrides(
        loaded.view.salesChannels.map(channel => ({
          salesChannelId: channel.salesChannelId,
          sellerEmail: channel.sellerEmail ?? '',
          sellerId: channel.sellerId ?? '',
        })),
      );
      setChannels(loaded.channels);
      setAttention(loaded.attention);
    } catch (error) {
      toast.error(errorMessage(error));
    }
  }, [configuration]);

  useEffect(() => {
    void load();
  }, [load]);

  /** Runs one action of the admin, its buttons busy meanwhile, its failure as a toast. */
  const run = (action: () => Promise<void>) => async () => {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      toast.error(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  /** Validates with the core first (messages next to the fields), then saves. */
  const save = async (body: SaveAlipaySettingsInput, saved: keyof typeof MESSAGES) => {
    const issues = await api.validateSettings(body);
    setErrors(issues);
    if (Object.keys(issues).length) {
      toast.error(say('fixFields'));
      return;
    }
    await api.saveSettings(body);
    toast.success(say(saved));
    await load();
  };

  if (!view || !form) {
    return (
      <Container className="p-6">
        <Text>{say('loading')}</Text>
      </Container>
    );
  }

  return (
    <FieldErrors.Provider value={errors}>
      <div className="flex flex-col gap-y-3">
        <Container className="divide-y p-0">
          <SettingsStatus
            view={view}
            credentials={credentials}
            busy={busy}
            onSave={run(() =>
              save({ ...bodyFromForm(form), ...(configuration ? { configuration } : {}) }, 'settingsSaved'),
            )}
            onTestCredentials={run(async () => {
              setCredentials(null);
              setCredentials(await api.testCredentials(configuration));
            })}
          />
          {configurations(view).length > 0 && (
            <div className="flex flex-col gap-y-2 px-6 py-4" data-alipay-configuration>
              <Label htmlFor="alipay-configuration">{say('configurationLabel')}</Label>
              <select
                id="alipay-configuration"
                className="rounded-md border px-2 py-1"
                value={configuration ?? ''}
                onChange={event => {
                  setErrors({});
                  setCredentials(null);
                  setConfiguration(event.target.value || null);
                }}
              >
                <option value="">{say('globalConfiguration')}</option>
                {configurations(view).map(name => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
              <Text size="small" className="text-ui-fg-subtle">
                {say('configurationNote')}
              </Text>
            </div>
          )}
          <SettingsSections
            form={form}
            masked={maskedOf(view, configuration)}
            onValue={(name, value) =>
              setForm(current => current && { ...current, values: { ...current.values, [name]: value } })
            }
            onGatewayMode={gatewayMode => setForm(current => current && { ...current, gatewayMode })}
          />
        </Container>

        {configuration === null && (
          <SellerOverrides
            overrides={overrides}
            channels={channels}
            busy={busy}
            onChange={setOverrides}
            onSave={override => run(() => save(override, 'overrideSaved'))()}
            onRemove={salesChannelId =>
              run(async () => {
                if (view.salesChannels.some(channel => channel.salesChannelId === salesChannelId)) {
                  await api.deleteChannelOverride(salesChannelId);
                }
                setOverrides(current =>
                  current.filter(override => override.salesChannelId !== salesChannelId),
                );
              })()
            }
          />
        )}

        <AttentionList
          events={attention}
          busy={busy}
          onResolve={id =>
            run(async () => {
              await api.resolveEvent(id);
              setAttention(current => current.filter(event => event.id !== id));
            })()
          }
          onRefundOrphan={outTradeNo =>
            run(async () => {
              const refund = await api.refundOrphan(outTradeNo);
              setAttention(current =>
                current.map(event =>
                  event.kind === 'orphan' && event.out_trade_no === outTradeNo
                    ? { ...event, orphan_refund: refund }
                    : event,
                ),
              );
              toast.success(REFUND_STATUS_LABELS[refund.status]);
            })()
          }
        />
      </div>
    </FieldErrors.Provider>
  );
};

/** The configurations of the providers with settings of their own (their `settingsScope` option). */
function configurations(view: AlipaySettingsAdminView): string[] {
  const names = (view.providers ?? []).flatMap(provider =>
    provider.configuration ? [provider.configuration] : [],
  );
  return [...new Set(names)];
}

/** The stored settings the form edits: the global ones, or a configuration's (empty before its first save). */
function maskedOf(view: AlipaySettingsAdminView, configuration: string | null): MaskedAlipaySettings {
  if (!configuration) return view.global;
  return view.configurations.find(entry => entry.configuration === configuration) ?? emptyView(view.global);
}

/** A masked view with nothing stored, shaped like `like`. */
function emptyView(like: MaskedAlipaySettings): MaskedAlipaySettings {
  return Object.fromEntries(
    Object.keys(like).map(key => [key, key.startsWith('has') ? false : null]),
  ) as unknown as MaskedAlipaySettings;
}

export const config = defineRouteConfig({
  label: 'Alipay',
  icon: CreditCard,
});

export default AlipaySettingsPage;
