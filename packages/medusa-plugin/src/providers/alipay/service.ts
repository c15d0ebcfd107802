import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  Logger,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from '@medusajs/framework/types';
import { AbstractPaymentProvider, MedusaError, PaymentActions } from '@medusajs/framework/utils';
import { ALIPAY_SETTINGS_MODULE } from '../../modules/alipay_settings/constants';
import type AlipaySettingsModuleService from '../../modules/alipay_settings/service';
import type { AlipaySettingsValues } from '../../shared/settings-fields';
import { SETTINGS_FIELD_NAMES } from '../../shared/settings-fields';

/**
 * Options of the provider entry in `medusa-config`. There are none: credentials and switches are
 * edited under Settings → Alipay and stored (secrets encrypted) by the `alipay_settings` module.
 */
export type AlipayProviderOptions = Record<string, never>;

/**
 * Alipay (支付宝) payment provider for Medusa v2's payment module.
 *
 * Registered from `@alipay-commerce/medusa/providers/alipay`; with `id: "alipay"` its ID is
 * `pp_alipay_alipay`. It reads its settings from the `alipay_settings` module at call time, which the
 * payment module exposes only when its entry lists `dependencies: ["alipay_settings"]`.
 */
export default class AlipayProviderService extends AbstractPaymentProvider<AlipayProviderOptions> {
  /** Provider identifier; Medusa prefixes `pp_` and suffixes the configured `id`. */
  static override identifier = 'alipay';

  protected readonly logger_: Logger;

  /**
   * Fails fast at boot when the provider entry carries options: it takes none, and credentials put
   * in `medusa-config` would silently be ignored.
   */
  static override validateOptions(options: Record<string, unknown> | undefined): void {
    if (options === undefined || options === null) return;
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        'The Alipay payment provider options must be an object (or be left out). / 支付宝支付提供方的 options 必须是对象（或省略）。',
      );
    }
    const unknown = Object.keys(options);
    if (unknown.length === 0) return;
    const credentials = unknown.filter(name => (SETTINGS_FIELD_NAMES as readonly string[]).includes(name));
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      credentials.length
        ? `The Alipay payment provider does not read ${credentials.map(name => `"${name}"`).join(', ')} from medusa-config: ` +
            'enter Alipay settings in the admin under Settings → Alipay, where secrets are stored encrypted. ' +
            `Remove them from the provider options. / 支付宝支付提供方不会从 medusa-config 读取 ${credentials.join('、')}：` +
            '请在后台「设置 → Alipay」中填写支付宝设置（密钥会加密保存），并从 provider options 中删除这些项。'
        : `Unknown option(s) ${unknown.map(name => `"${name}"`).join(', ')} for the Alipay payment provider: it takes no options. / ` +
            `支付宝支付提供方不接受选项 ${unknown.join('、')}。`,
    );
  }

  constructor(cradle: Record<string, unknown>, options: AlipayProviderOptions) {
    super(cradle, options);
    this.logger_ = cradle.logger as Logger;
  }

  /**
   * The `alipay_settings` module, resolved from the payment module's container at call time (never
   * in the constructor: module containers are wired lazily).
   * @throws MedusaError explaining the missing `dependencies: ["alipay_settings"]` when unreachable.
   */
  protected settingsModule(): AlipaySettingsModuleService {
    try {
      const module = this.container[ALIPAY_SETTINGS_MODULE] as AlipaySettingsModuleService | undefined;
      if (module) return module;
    } catch {
      // Awilix throws a resolution error; replaced below by one that says how to fix it.
    }
    throw new MedusaError(
      MedusaError.Types.UNEXPECTED_STATE,
      'The Alipay payment provider cannot reach the "alipay_settings" module. In medusa-config, list ' +
        '"@alipay-commerce/medusa" under plugins and add dependencies: ["alipay_settings"] to the ' +
        '"@medusajs/medusa/payment" module entry. / 支付宝支付提供方无法访问 "alipay_settings" 模块：请在 ' +
        'medusa-config 的 plugins 中加入 "@alipay-commerce/medusa"，并在 "@medusajs/medusa/payment" 模块配置中加入 ' +
        'dependencies: ["alipay_settings"]。',
    );
  }

  /**
   * The shop-wide settings, secrets decrypted.
   * @throws MedusaError when nothing is configured yet (no interface type chosen).
   */
  protected async loadSettings(): Promise<AlipaySettingsValues> {
    // Per-sales-channel overrides need the cart's sales channel from a trusted source (not the
    // storefront-controlled session data); that arrives with the payment logic.
    const settings = await this.settingsModule().getSettings();
    if (!settings.interfaceType) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        'Alipay is not configured yet: choose the interface type and enter the credentials in the admin ' +
          'under Settings → Alipay. / 支付宝尚未配置：请在后台「设置 → Alipay」中选择接口类型并填写凭据。',
      );
    }
    return settings;
  }

  async initiatePayment(_input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    await this.loadSettings();
    throw notWiredYet('initiatePayment');
  }

  async authorizePayment(_input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    throw notWiredYet('authorizePayment');
  }

  async capturePayment(_input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    throw notWiredYet('capturePayment');
  }

  async refundPayment(_input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    throw notWiredYet('refundPayment');
  }

  async cancelPayment(_input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    throw notWiredYet('cancelPayment');
  }

  async deletePayment(_input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    throw notWiredYet('deletePayment');
  }

  async retrievePayment(_input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    throw notWiredYet('retrievePayment');
  }

  async updatePayment(_input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    throw notWiredYet('updatePayment');
  }

  async getPaymentStatus(_input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    throw notWiredYet('getPaymentStatus');
  }

  /**
   * Events reaching Medusa's generic `/hooks/payment/alipay_alipay` route. Alipay notifications go to
   * this plugin's own `/hooks/alipay/notify/:providerId` route instead; until signature verification
   * exists, nothing arriving here may move money, so every event is ignored.
   */
  async getWebhookActionAndData(_payload: ProviderWebhookPayload['payload']): Promise<WebhookActionResult> {
    this.logger_.warn(
      '[alipay] ignored an event on /hooks/payment: Alipay notifications are handled by /hooks/alipay/notify.',
    );
    return { action: PaymentActions.NOT_SUPPORTED };
  }
}

function notWiredYet(method: string): MedusaError {
  return new MedusaError(
    MedusaError.Types.NOT_ALLOWED,
    `Alipay ${method} is wired in the next phase of @alipay-commerce/medusa; this build only has the ` +
      `settings, admin page and notify route. / 支付宝 ${method} 将在下一阶段接入；当前版本仅包含设置、后台页面与异步通知路由。`,
  );
}
