import { defineRouteConfig } from '@medusajs/admin-sdk';
import { CreditCard } from '@medusajs/icons';
import {
  Alert,
  Badge,
  Button,
  Container,
  Heading,
  Input,
  Label,
  Select,
  Switch,
  Text,
  Textarea,
  toast,
} from '@medusajs/ui';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { REFUND_STATUS_COLORS, REFUND_STATUS_LABELS, type RefundView } from '../../../../shared/refund-view';
import {
  type AlipaySettingsAdminView,
  CHARSETS,
  type Charset,
  INTERFACE_TYPE_LABELS,
  INTERFACE_TYPES,
  type InterfaceType,
  type MaskedAlipaySettings,
  type SaveAlipaySettingsInput,
  SECRET_FIELDS,
  type SecretField,
  type SettingsFieldIssue,
} from '../../../../shared/settings-fields';
import { SecretInput } from '../../../components/secret-input';
import { errorMessage, sdk } from '../../../lib/sdk';

const SETTINGS_PATH = '/admin/alipay/settings';

/** Bilingual labels: English / 简体中文, with Alipay's own term in parentheses where merchants know it. */
const LABELS = {
  interfaceType: 'Interface type / 接口类型',
  gateway: 'Gateway / 网关',
  gatewayUrl: 'Custom gateway URL / 自定义网关地址',
  partnerId: 'Partner ID / 合作者身份 (PID)',
  key: 'MD5 key / 安全校验码 (Key)',
  sellerEmail: 'Seller Alipay account (email) / 卖家支付宝账号',
  sellerId: 'Seller user ID / 卖家支付宝用户号 (seller_id)',
  charset: 'Charset / 字符集 (_input_charset)',
  refundWithoutPassword: 'Refund without payment password / 无密退款',
  appId: 'App ID / 应用 ID (APPID)',
  appPrivateKey: 'App private key / 应用私钥',
  alipayPublicKey: 'Alipay public key / 支付宝公钥',
  appCertificate: 'App public key certificate / 应用公钥证书',
  alipayCertificate: 'Alipay public key certificate / 支付宝公钥证书',
  alipayRootCertificate: 'Alipay root certificate / 支付宝根证书',
  encryptKey: 'Content encryption key (AES) / 接口内容加密密钥',
  appAuthToken: 'App auth token (ISV) / 应用授权令牌 (app_auth_token)',
  alwaysQrOnDesktop: 'Always show a QR code on desktop / 电脑端始终显示二维码',
} as const;

type GatewayMode = 'production' | 'sandbox' | 'custom';

/** Editable state of the global form. Secrets hold only newly typed values (empty = keep). */
interface GlobalForm {
  interfaceType: InterfaceType | '';
  gatewayMode: GatewayMode;
  gatewayUrl: string;
  partnerId: string;
  sellerEmail: string;
  sellerId: string;
  charset: Charset;
  refundWithoutPassword: boolean;
  appId: string;
  alipayPublicKey: string;
  appCertificate: string;
  alipayCertificate: string;
  alipayRootCertificate: string;
  alwaysQrOnDesktop: boolean;
  secrets: Record<SecretField, string>;
}

/** One sales channel's seller override as edited on the page. */
interface ChannelOverride {
  salesChannelId: string;
  sellerEmail: string;
  sellerId: string;
}

interface SalesChannelOption {
  id: string;
  name: string;
}

const EMPTY_SECRETS: Record<SecretField, string> = {
  key: '',
  appPrivateKey: '',
  encryptKey: '',
  appAuthToken: '',
};

function formFromSettings(settings: MaskedAlipaySettings): GlobalForm {
  const gateway = settings.gateway ?? 'production';
  const gatewayMode: GatewayMode =
    gateway === 'production' || gateway === 'sandbox' ? gateway : gateway ? 'custom' : 'production';
  return {
    interfaceType: settings.interfaceType ?? '',
    gatewayMode,
    gatewayUrl: gatewayMode === 'custom' ? gateway : '',
    partnerId: settings.partnerId ?? '',
    sellerEmail: settings.sellerEmail ?? '',
    sellerId: settings.sellerId ?? '',
    charset: settings.charset ?? 'utf-8',
    refundWithoutPassword: settings.refundWithoutPassword ?? false,
    appId: settings.appId ?? '',
    alipayPublicKey: settings.alipayPublicKey ?? '',
    appCertificate: settings.appCertificate ?? '',
    alipayCertificate: settings.alipayCertificate ?? '',
    alipayRootCertificate: settings.alipayRootCertificate ?? '',
    alwaysQrOnDesktop: settings.alwaysQrOnDesktop ?? false,
    secrets: { ...EMPTY_SECRETS },
  };
}

/** The POST body: every visible field (empty text clears it), secrets only when newly typed. */
function bodyFromForm(form: GlobalForm): SaveAlipaySettingsInput {
  const body: SaveAlipaySettingsInput = {
    interfaceType: form.interfaceType || null,
    gateway: form.gatewayMode === 'custom' ? form.gatewayUrl : form.gatewayMode,
    partnerId: form.partnerId,
    sellerEmail: form.sellerEmail,
    sellerId: form.sellerId,
    charset: form.charset,
    refundWithoutPassword: form.refundWithoutPassword,
    appId: form.appId,
    alipayPublicKey: form.alipayPublicKey,
    appCertificate: form.appCertificate,
    alipayCertificate: form.alipayCertificate,
    alipayRootCertificate: form.alipayRootCertificate,
    alwaysQrOnDesktop: form.alwaysQrOnDesktop,
  };
  for (const field of SECRET_FIELDS) {
    if (form.secrets[field] !== '') body[field] = form.secrets[field];
  }
  return body;
}

/** The core's messages of the last validation, by settings field. */
const FieldErrors = createContext<Record<string, { en: string; zh: string }>>({});

/** The core's message for `field`, in both languages, under the field it is about. */
function FieldError({ field }: { field?: string }) {
  const error = useContext(FieldErrors)[field ?? ''];
  if (!field || !error) return null;
  return (
    <Text size="xsmall" className="text-ui-fg-error" data-testid={`alipay-error-${field}`}>
      {error.en} / {error.zh}
    </Text>
  );
}

function Field({
  id,
  label,
  field,
  children,
}: {
  id: string;
  label: string;
  field?: string;
  children: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-y-2">
      <Label htmlFor={id} size="small" weight="plus">
        {label}
      </Label>
      {children}
      <FieldError field={field} />
    </div>
  );
}

function SwitchField({
  id,
  label,
  field,
  checked,
  onChange,
}: {
  id: string;
  label: string;
  field?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className="flex flex-col gap-y-1">
      <div className="flex items-center gap-x-3">
        <Switch id={id} checked={checked} onCheckedChange={onChange} />
        <Label htmlFor={id} size="small" weight="plus">
          {label}
        </Label>
      </div>
      <FieldError field={field} />
    </div>
  );
}

/** Result of "Test credentials" (the core's CredentialCheck). */
interface CredentialResult {
  ok: boolean;
  code: string;
  message: { en: string; zh: string };
}

/** An orphan payment or a failure the merchant should look at (GET /admin/alipay/events?attention=true). */
interface AttentionEvent {
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

/**
 * Whether the admin can ask for the refund of an orphan payment: nothing was refunded, the last refund
 * was refused, or only Alipay gave a part back (the server refunds what is left, and says so when nothing is).
 */
function canRefundOrphan(refund: RefundView | null | undefined): boolean {
  return (
    !refund || refund.status === 'failed' || (refund.origin === 'alipay' && refund.status === 'succeeded')
  );
}

/** Asks the server whether the core accepts the settings, without saving; returns the issues by field. */
async function validate(body: SaveAlipaySettingsInput): Promise<Record<string, { en: string; zh: string }>> {
  const result = await sdk.client.fetch<{ ok: boolean; issues: SettingsFieldIssue[] }>(
    `${SETTINGS_PATH}/validate`,
    {
      method: 'POST',
      body,
    },
  );
  return Object.fromEntries(result.issues.map(issue => [issue.field, issue.message]));
}

/** Settings → Alipay: the merchant's Alipay credentials, options and per-sales-channel sellers. */
const AlipaySettingsPage = () => {
  const [view, setView] = useState<AlipaySettingsAdminView | null>(null);
  const [form, setForm] = useState<GlobalForm | null>(null);
  const [overrides, setOverrides] = useState<ChannelOverride[]>([]);
  const [channels, setChannels] = useState<SalesChannelOption[]>([]);
  const [channelToAdd, setChannelToAdd] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, { en: string; zh: string }>>({});
  const [credentials, setCredentials] = useState<CredentialResult | null>(null);
  const [attention, setAttention] = useState<AttentionEvent[]>([]);

  const load = useCallback(async () => {
    try {
      const loaded = await sdk.client.fetch<AlipaySettingsAdminView>(SETTINGS_PATH);
      setView(loaded);
      setForm(formFromSettings(loaded.global));
      setOverrides(
        loaded.salesChannels.map(channel => ({
          salesChannelId: channel.salesChannelId,
          sellerEmail: channel.sellerEmail ?? '',
          sellerId: channel.sellerId ?? '',
        })),
      );
      const { sales_channels } = await sdk.admin.salesChannel.list({ limit: 200, fields: 'id,name' });
      setChannels(sales_channels.map(channel => ({ id: channel.id, name: channel.name })));
      const { events } = await sdk.client.fetch<{ events: AttentionEvent[] }>('/admin/alipay/events', {
        query: { attention: 'true', limit: 50 },
      });
      setAttention(events);
    } catch (error) {
      toast.error(errorMessage(error));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const update = <K extends keyof GlobalForm>(field: K, value: GlobalForm[K]) =>
    setForm(current => (current ? { ...current, [field]: value } : current));
  const updateSecret = (field: SecretField, value: string) =>
    setForm(current => (current ? { ...current, secrets: { ...current.secrets, [field]: value } } : current));

  const run = async (action: () => Promise<void>) => {
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
  const save = async (body: SaveAlipaySettingsInput, saved: string) => {
    const issues = await validate(body);
    setErrors(issues);
    if (Object.keys(issues).length) {
      toast.error('Please fix the highlighted fields / 请修正标出的字段');
      return;
    }
    await sdk.client.fetch(SETTINGS_PATH, { method: 'POST', body });
    toast.success(saved);
    await load();
  };

  const saveGlobal = () =>
    run(async () => {
      if (form) await save(bodyFromForm(form), 'Alipay settings saved / 支付宝设置已保存');
    });

  const testCredentials = () =>
    run(async () => {
      setCredentials(null);
      const result = await sdk.client.fetch<CredentialResult>(`${SETTINGS_PATH}/test-credentials`, {
        method: 'POST',
        body: {},
      });
      setCredentials(result);
    });

  const saveOverride = (override: ChannelOverride) =>
    run(() =>
      save(
        {
          salesChannelId: override.salesChannelId,
          sellerEmail: override.sellerEmail,
          sellerId: override.sellerId,
        },
        'Seller override saved / 卖家覆盖设置已保存',
      ),
    );

  const resolveEvent = (id: string) =>
    run(async () => {
      await sdk.client.fetch(`/admin/alipay/events/${encodeURIComponent(id)}/resolve`, { method: 'POST' });
      setAttention(current => current.filter(event => event.id !== id));
    });

  /** Refunds an orphan payment (idempotent on the server: never a second refund while one is open). */
  const refundOrphan = (outTradeNo: string) =>
    run(async () => {
      const { refund } = await sdk.client.fetch<{ refund: RefundView; created: boolean }>(
        `/admin/alipay/orphans/${encodeURIComponent(outTradeNo)}/refund`,
        { method: 'POST' },
      );
      setAttention(current =>
        current.map(event =>
          event.kind === 'orphan' && event.out_trade_no === outTradeNo
            ? { ...event, orphan_refund: refund }
            : event,
        ),
      );
      toast.success(REFUND_STATUS_LABELS[refund.status]);
    });

  const removeOverride = (salesChannelId: string) =>
    run(async () => {
      if (view?.salesChannels.some(channel => channel.salesChannelId === salesChannelId)) {
        await sdk.client.fetch(`${SETTINGS_PATH}/sales-channels/${encodeURIComponent(salesChannelId)}`, {
          method: 'DELETE',
        });
      }
      setOverrides(current => current.filter(override => override.salesChannelId !== salesChannelId));
    });

  if (!view || !form) {
    return (
      <Container className="p-6">
        <Text>Loading… / 加载中…</Text>
      </Container>
    );
  }

  const isLegacy = form.interfaceType.startsWith('legacy-');
  const isOpenApi = form.interfaceType.startsWith('openapi-');
  const masked = view.global;
  const channelName = (id: string) => channels.find(channel => channel.id === id)?.name ?? id;
  const addableChannels = channels.filter(
    channel => !overrides.some(override => override.salesChannelId === channel.id),
  );

  return (
    <FieldErrors.Provider value={errors}>
      <div className="flex flex-col gap-y-3">
        <Container className="divide-y p-0">
          <div className="flex items-center justify-between px-6 py-4">
            <div>
              <Heading level="h1">Alipay / 支付宝</Heading>
              <Text size="small" className="text-ui-fg-subtle">
                Credentials are stored encrypted; keys are never shown again. /
                凭据加密保存，密钥保存后不再显示。
              </Text>
            </div>
            <div className="flex gap-x-2">
              <Button variant="secondary" size="small" onClick={testCredentials} isLoading={busy}>
                Test credentials / 测试凭据
              </Button>
              <Button size="small" onClick={saveGlobal} isLoading={busy}>
                Save / 保存
              </Button>
            </div>
          </div>

          {view.encryption.problem && (
            <div className="px-6 py-4">
              <Alert variant="warning">{view.encryption.problem}</Alert>
            </div>
          )}

          {credentials && (
            <div className="px-6 py-4" data-testid="alipay-credential-result">
              <Alert variant={credentials.ok ? 'success' : 'error'} dismissible>
                {credentials.ok ? 'Credentials work / 凭据有效' : 'Credentials refused / 凭据无效'} (
                {credentials.code}): {credentials.message.en} / {credentials.message.zh}
              </Alert>
            </div>
          )}

          {(view.providers ?? []).map(provider => (
            <div key={provider.id} className="flex flex-col gap-y-1 px-6 py-4">
              <Text size="small" weight="plus">
                Notification URL for Alipay ({provider.id}) / 支付宝异步通知地址
              </Text>
              <Text size="small" className="font-mono" data-testid="alipay-notify-url">
                {provider.notifyUrl}
              </Text>
              <Text size="xsmall" className="text-ui-fg-subtle">
                Sent with every payment; it must be reachable from the internet over HTTPS. /
                每笔支付都会带上该地址，必须能从公网通过 HTTPS 访问。
              </Text>
            </div>
          ))}

          <div className="grid grid-cols-1 gap-4 px-6 py-4 md:grid-cols-2">
            <Field id="alipay-interface-type" label={LABELS.interfaceType} field="interfaceType">
              <Select
                value={form.interfaceType}
                onValueChange={value => update('interfaceType', value as InterfaceType)}
              >
                <Select.Trigger id="alipay-interface-type">
                  <Select.Value placeholder="Choose… / 请选择…" />
                </Select.Trigger>
                <Select.Content>
                  {INTERFACE_TYPES.map(type => (
                    <Select.Item key={type} value={type}>
                      {INTERFACE_TYPE_LABELS[type].en} / {INTERFACE_TYPE_LABELS[type].zh}
                    </Select.Item>
                  ))}
                </Select.Content>
              </Select>
            </Field>
            <Field id="alipay-gateway" label={LABELS.gateway} field="gateway">
              <Select
                value={form.gatewayMode}
                onValueChange={value => update('gatewayMode', value as GatewayMode)}
              >
                <Select.Trigger id="alipay-gateway">
                  <Select.Value />
                </Select.Trigger>
                <Select.Content>
                  <Select.Item value="production">Production / 正式环境</Select.Item>
                  <Select.Item value="sandbox">Sandbox (OpenAPI) / 沙箱环境</Select.Item>
                  <Select.Item value="custom">Custom URL / 自定义地址</Select.Item>
                </Select.Content>
              </Select>
            </Field>
            {form.gatewayMode === 'custom' && (
              <Field id="alipay-gateway-url" label={LABELS.gatewayUrl} field="gateway">
                <Input
                  id="alipay-gateway-url"
                  value={form.gatewayUrl}
                  placeholder="https://…/gateway.do"
                  onChange={event => update('gatewayUrl', event.target.value)}
                />
              </Field>
            )}
            <Field id="alipay-seller-id" label={LABELS.sellerId} field="sellerId">
              <Input
                id="alipay-seller-id"
                value={form.sellerId}
                onChange={event => update('sellerId', event.target.value)}
              />
            </Field>
          </div>

          {isLegacy && (
            <div className="grid grid-cols-1 gap-4 px-6 py-4 md:grid-cols-2">
              <Heading level="h2" className="md:col-span-2">
                Legacy interface (partner + MD5) / 旧版接口（合作者身份 + 安全校验码）
              </Heading>
              <Field id="alipay-partner-id" label={LABELS.partnerId} field="partnerId">
                <Input
                  id="alipay-partner-id"
                  value={form.partnerId}
                  placeholder="2088…"
                  onChange={event => update('partnerId', event.target.value)}
                />
              </Field>
              <SecretInput
                id="alipay-key"
                label={LABELS.key}
                isSet={masked.hasKey}
                hint={masked.keyHint}
                value={form.secrets.key}
                error={errors.key}
                onChange={value => updateSecret('key', value)}
              />
              <Field id="alipay-seller-email" label={LABELS.sellerEmail} field="sellerEmail">
                <Input
                  id="alipay-seller-email"
                  value={form.sellerEmail}
                  onChange={event => update('sellerEmail', event.target.value)}
                />
              </Field>
              <Field id="alipay-charset" label={LABELS.charset} field="charset">
                <Select value={form.charset} onValueChange={value => update('charset', value as Charset)}>
                  <Select.Trigger id="alipay-charset">
                    <Select.Value />
                  </Select.Trigger>
                  <Select.Content>
                    {CHARSETS.map(charset => (
                      <Select.Item key={charset} value={charset}>
                        {charset.toUpperCase()}
                      </Select.Item>
                    ))}
                  </Select.Content>
                </Select>
              </Field>
              <SwitchField
                id="alipay-refund-without-password"
                label={LABELS.refundWithoutPassword}
                field="refundWithoutPassword"
                checked={form.refundWithoutPassword}
                onChange={checked => update('refundWithoutPassword', checked)}
              />
            </div>
          )}

          {isOpenApi && (
            <div className="grid grid-cols-1 gap-4 px-6 py-4 md:grid-cols-2">
              <Heading level="h2" className="md:col-span-2">
                OpenAPI (app ID + RSA2) / 开放平台（应用 ID + RSA2）
              </Heading>
              <Field id="alipay-app-id" label={LABELS.appId} field="appId">
                <Input
                  id="alipay-app-id"
                  value={form.appId}
                  onChange={event => update('appId', event.target.value)}
                />
              </Field>
              <SecretInput
                id="alipay-app-private-key"
                label={LABELS.appPrivateKey}
                multiline
                isSet={masked.hasAppPrivateKey}
                hint={masked.appPrivateKeyHint}
                value={form.secrets.appPrivateKey}
                error={errors.appPrivateKey}
                onChange={value => updateSecret('appPrivateKey', value)}
              />
              {(
                [
                  ['alipayPublicKey', 'alipay-public-key'],
                  ['appCertificate', 'alipay-app-certificate'],
                  ['alipayCertificate', 'alipay-alipay-certificate'],
                  ['alipayRootCertificate', 'alipay-root-certificate'],
                ] as const
              ).map(([field, id]) => (
                <Field key={field} id={id} label={LABELS[field]} field={field}>
                  <Textarea
                    id={id}
                    className="font-mono"
                    spellCheck={false}
                    value={form[field]}
                    onChange={event => update(field, event.target.value)}
                  />
                </Field>
              ))}
              <SecretInput
                id="alipay-encrypt-key"
                label={LABELS.encryptKey}
                isSet={masked.hasEncryptKey}
                hint={masked.encryptKeyHint}
                value={form.secrets.encryptKey}
                error={errors.encryptKey}
                onChange={value => updateSecret('encryptKey', value)}
              />
              <SecretInput
                id="alipay-app-auth-token"
                label={LABELS.appAuthToken}
                isSet={masked.hasAppAuthToken}
                hint={masked.appAuthTokenHint}
                value={form.secrets.appAuthToken}
                error={errors.appAuthToken}
                onChange={value => updateSecret('appAuthToken', value)}
              />
              <SwitchField
                id="alipay-always-qr"
                label={LABELS.alwaysQrOnDesktop}
                field="alwaysQrOnDesktop"
                checked={form.alwaysQrOnDesktop}
                onChange={checked => update('alwaysQrOnDesktop', checked)}
              />
            </div>
          )}
        </Container>

        <Container className="divide-y p-0">
          <div className="px-6 py-4">
            <Heading level="h2">Sellers per sales channel / 按销售渠道设置卖家</Heading>
            <Text size="small" className="text-ui-fg-subtle">
              For marketplaces: payments in a sales channel go to its seller; empty fields use the settings
              above. / 适用于多商户平台：该销售渠道的付款收款至对应卖家；留空的字段沿用上方设置。
            </Text>
          </div>
          {overrides.map((override, index) => (
            <div
              key={override.salesChannelId}
              className="grid grid-cols-1 items-end gap-4 px-6 py-4 md:grid-cols-4"
            >
              <Text size="small" weight="plus">
                {channelName(override.salesChannelId)}
              </Text>
              <Field id={`alipay-override-email-${index}`} label={LABELS.sellerEmail}>
                <Input
                  id={`alipay-override-email-${index}`}
                  value={override.sellerEmail}
                  onChange={event =>
                    setOverrides(current =>
                      current.map(item =>
                        item === override ? { ...item, sellerEmail: event.target.value } : item,
                      ),
                    )
                  }
                />
              </Field>
              <Field id={`alipay-override-seller-${index}`} label={LABELS.sellerId}>
                <Input
                  id={`alipay-override-seller-${index}`}
                  value={override.sellerId}
                  onChange={event =>
                    setOverrides(current =>
                      current.map(item =>
                        item === override ? { ...item, sellerId: event.target.value } : item,
                      ),
                    )
                  }
                />
              </Field>
              <div className="flex gap-x-2">
                <Button
                  size="small"
                  variant="secondary"
                  onClick={() => saveOverride(override)}
                  isLoading={busy}
                >
                  Save / 保存
                </Button>
                <Button
                  size="small"
                  variant="danger"
                  onClick={() => removeOverride(override.salesChannelId)}
                  isLoading={busy}
                >
                  Remove / 移除
                </Button>
              </div>
            </div>
          ))}
          <div className="flex items-end gap-x-2 px-6 py-4">
            <Field id="alipay-add-channel" label="Add a sales channel / 添加销售渠道">
              <Select value={channelToAdd} onValueChange={setChannelToAdd}>
                <Select.Trigger id="alipay-add-channel">
                  <Select.Value placeholder="Choose… / 请选择…" />
                </Select.Trigger>
                <Select.Content>
                  {addableChannels.map(channel => (
                    <Select.Item key={channel.id} value={channel.id}>
                      {channel.name}
                    </Select.Item>
                  ))}
                </Select.Content>
              </Select>
            </Field>
            <Button
              size="small"
              variant="secondary"
              disabled={!channelToAdd}
              onClick={() => {
                setOverrides(current => [
                  ...current,
                  { salesChannelId: channelToAdd, sellerEmail: '', sellerId: '' },
                ]);
                setChannelToAdd('');
              }}
            >
              Add / 添加
            </Button>
          </div>
        </Container>

        <Container className="divide-y p-0" data-testid="alipay-attention">
          <div className="px-6 py-4">
            <Heading level="h2">Needs attention / 需要处理</Heading>
            <Text size="small" className="text-ui-fg-subtle">
              Orphan payments (paid on Alipay, no order to attach them to) with their refund, rejected
              notifications, refunds to check and failed shipment confirmations. /
              无法关联订单的付款（及其退款状态）、被拒绝的通知、需要核实的退款以及确认发货失败的记录。
            </Text>
          </div>
          {attention.length === 0 ? (
            <div className="px-6 py-4">
              <Text size="small">Nothing to handle. / 暂无需要处理的事项。</Text>
            </div>
          ) : (
            attention.map(event => (
              <div key={event.id} className="flex items-start justify-between gap-x-4 px-6 py-4">
                <div className="flex flex-col gap-y-1">
                  <Text size="small" weight="plus">
                    {event.kind === 'orphan'
                      ? 'Orphan payment / 无法关联的付款'
                      : `${event.kind} (${event.level})`}{' '}
                    · {new Date(event.created_at).toLocaleString()}
                  </Text>
                  <Text size="small">{event.message}</Text>
                  <Text size="xsmall" className="text-ui-fg-subtle font-mono">
                    {[event.out_trade_no, event.trade_no, event.order_id].filter(Boolean).join(' · ')}
                  </Text>
                  {event.kind === 'orphan' && (
                    <div className="flex items-center gap-x-2" data-testid="alipay-orphan-refund">
                      {event.orphan_refund ? (
                        <>
                          <Badge size="2xsmall" color={REFUND_STATUS_COLORS[event.orphan_refund.status]}>
                            {REFUND_STATUS_LABELS[event.orphan_refund.status]}
                          </Badge>
                          <Text size="xsmall" className="font-mono">
                            {event.orphan_refund.amount} CNY · {event.orphan_refund.request_no}
                          </Text>
                          {Boolean(event.orphan_refunded_fen) && (
                            <Text size="xsmall" className="text-ui-fg-subtle">
                              Given back so far / 已退回: {event.orphan_refunded} CNY
                            </Text>
                          )}
                        </>
                      ) : (
                        <Text size="xsmall" className="text-ui-fg-subtle">
                          Not refunded / 未退款
                        </Text>
                      )}
                    </div>
                  )}
                  {event.orphan_refund?.error && (
                    <Text size="xsmall" className="text-ui-fg-error">
                      {event.orphan_refund.error}
                    </Text>
                  )}
                </div>
                <div className="flex flex-col gap-y-2">
                  {event.kind === 'orphan' && event.out_trade_no && canRefundOrphan(event.orphan_refund) && (
                    <Button
                      size="small"
                      variant="primary"
                      onClick={() => refundOrphan(event.out_trade_no as string)}
                      isLoading={busy}
                    >
                      Refund / 退款
                    </Button>
                  )}
                  <Button
                    size="small"
                    variant="secondary"
                    onClick={() => resolveEvent(event.id)}
                    isLoading={busy}
                  >
                    Mark handled / 标记为已处理
                  </Button>
                </div>
              </div>
            ))
          )}
        </Container>
      </div>
    </FieldErrors.Provider>
  );
};

export const config = defineRouteConfig({
  label: 'Alipay',
  icon: CreditCard,
});

export default AlipaySettingsPage;
