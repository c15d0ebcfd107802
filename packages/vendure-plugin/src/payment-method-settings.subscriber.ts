import {
  type ConfigIssue,
  changedSettingFields,
  maskSecret,
  protectedSettingFields,
  type SettingsPolicy,
  STRICT_SETTINGS_POLICY,
  settingsAuditLine,
  settingsToConfig,
} from '@alipay-commerce/core';
import { Inject, Injectable } from '@nestjs/common';
import {
  EventBus,
  ForbiddenError,
  Logger,
  PaymentMethod,
  PaymentMethodEvent,
  PermissionDefinition,
  TransactionalConnection,
  UserInputError,
} from '@vendure/core';
import type { EntitySubscriberInterface, InsertEvent, UpdateEvent } from 'typeorm';
import { invalidSettingsMessage } from './alipay-messages';
import { describeIssues, isLiteralSecret, SECRET_ARG_NAMES, settingsFromArgs } from './alipay-method-args';
import type { ResolvedAlipayPluginOptions } from './alipay-options';
import { ALIPAY_HANDLER_CODE, ALIPAY_PLUGIN_OPTIONS, auditLoggerCtx } from './constants';

type HandlerArgs = PaymentMethod['handler']['args'];

/**
 * The custom permission `UpdateAlipaySettings`: needed, besides Vendure's `UpdatePaymentMethod`, to
 * create an Alipay payment method or change its gateway, keys or seller IDs (the core's
 * `PROTECTED_SETTINGS`). Whoever holds it decides where money and signed calls go, and whose
 * notifications mark orders paid. SuperAdmin has it; give it to other roles deliberately.
 */
export const updateAlipaySettingsPermission = new PermissionDefinition({
  name: 'UpdateAlipaySettings',
  description: 'Allows changing the gateway, keys and seller IDs of Alipay payment methods',
});

/**
 * Checks the arguments of an Alipay payment method with the core's schema (`settingsToConfig`, after
 * resolving `env:NAME` secrets) and returns the issues, each naming the field; empty when usable.
 *
 * @param policy - the deployment's settings policy (allowed gateways, `env:` prefix).
 */
export function validateAlipayHandlerArgs(
  args: HandlerArgs,
  env: NodeJS.ProcessEnv = process.env,
  policy: SettingsPolicy = STRICT_SETTINGS_POLICY,
): ConfigIssue[] {
  const flat = settingsFromArgs(args, env, policy);
  if (!flat.ok) {
    return flat.issues;
  }
  const result = settingsToConfig(flat.settings, policy);
  return result.ok ? [] : result.issues;
}

function argsRecord(args: HandlerArgs | undefined): Record<string, string> | undefined {
  return args ? Object.fromEntries(args.map(arg => [arg.name, arg.value])) : undefined;
}

/**
 * Puts the stored secret back where the Admin API's masked value (see `AlipayPaymentMethodResolver`)
 * came back unchanged: an admin who edits another field re-sends the whole form, mask included.
 */
export function restoreMaskedSecrets(args: HandlerArgs, storedArgs: HandlerArgs | undefined): void {
  if (!storedArgs) {
    return;
  }
  for (const arg of args) {
    if (!SECRET_ARG_NAMES.includes(arg.name)) {
      continue;
    }
    const stored = storedArgs.find(a => a.name === arg.name)?.value;
    if (isLiteralSecret(stored) && arg.value === maskSecret(stored)) {
      arg.value = stored;
    }
  }
}

function isAlipayMethod(entity: unknown): entity is PaymentMethod {
  return (entity as Partial<PaymentMethod> | undefined)?.handler?.code === ALIPAY_HANDLER_CODE;
}

function sameArgs(a: HandlerArgs | undefined, b: HandlerArgs | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/**
 * Validates Alipay settings whenever a `PaymentMethod` is saved, so `createPaymentMethod` and
 * `updatePaymentMethod` fail with the core's field-level, bilingual message instead of storing
 * settings that would only fail at the first checkout.
 *
 * Vendure 3.7 has no validation hook for configurable-operation arguments (`ConfigArgService` only
 * checks `required`), and an `EventBus` listener runs after the commit. A TypeORM entity subscriber
 * runs inside the saving transaction, whatever the caller (Admin API, a service, an import), and a
 * throw rolls the save back; Vendure registers its own `CustomFieldsValidationSubscriber` the same
 * way. The error is a `UserInputError`, which the API returns as `USER_INPUT_ERROR`.
 */
@Injectable()
export class AlipayPaymentMethodSubscriber implements EntitySubscriberInterface<PaymentMethod> {
  /**
   * Names of the settings each saved entity changed, gathered over its saves (Vendure saves an
   * updated payment method twice), consumed by the `PaymentMethodEvent` of that save.
   */
  private readonly changedFields = new WeakMap<PaymentMethod, Set<string>>();

  constructor(
    connection: TransactionalConnection,
    eventBus: EventBus,
    @Inject(ALIPAY_PLUGIN_OPTIONS) private readonly options: ResolvedAlipayPluginOptions,
  ) {
    const { subscribers } = connection.rawConnection;
    if (!subscribers.some(subscriber => subscriber instanceof AlipayPaymentMethodSubscriber)) {
      subscribers.push(this);
    }
    // A blocking handler runs inside the saving transaction, after the save, with the request's
    // context: a throw rolls the save back. The TypeORM hooks below see the change, not the admin.
    eventBus.registerBlockingEventHandler({
      event: PaymentMethodEvent,
      id: 'alipay-settings-permission-and-audit',
      handler: event => this.checkAndAudit(event),
    });
  }

  /** Only payment methods concern this subscriber. */
  listenTo(): typeof PaymentMethod {
    return PaymentMethod;
  }

  /** A new Alipay payment method must have usable settings. */
  beforeInsert(event: InsertEvent<PaymentMethod>): void {
    if (isAlipayMethod(event.entity)) {
      this.assertValid(event.entity.handler.args);
      this.noteChanges(event.entity, undefined);
    }
  }

  /**
   * An updated Alipay payment method gets its masked secrets restored, then is validated when its
   * settings changed (disabling a method whose `env:` variable is unset on this machine must work).
   */
  beforeUpdate(event: UpdateEvent<PaymentMethod>): void {
    const entity = event.entity;
    if (!isAlipayMethod(entity)) {
      return;
    }
    const stored = event.databaseEntity?.handler;
    restoreMaskedSecrets(entity.handler.args, stored?.code === ALIPAY_HANDLER_CODE ? stored.args : undefined);
    if (stored?.code !== ALIPAY_HANDLER_CODE || !sameArgs(entity.handler.args, stored.args)) {
      this.assertValid(entity.handler.args);
      this.noteChanges(entity, stored?.code === ALIPAY_HANDLER_CODE ? stored.args : undefined);
    }
  }

  private noteChanges(entity: PaymentMethod, storedArgs: HandlerArgs | undefined): void {
    const fields = changedSettingFields(argsRecord(storedArgs), argsRecord(entity.handler.args) ?? {});
    const noted = this.changedFields.get(entity) ?? new Set<string>();
    for (const field of fields) noted.add(field);
    this.changedFields.set(entity, noted);
  }

  /**
   * Within the save's transaction: an API request that changes a protected setting needs
   * {@link updateAlipaySettingsPermission}; every settings change writes one audit line (admin ID and
   * field names, never values). Saves made by code (imports, scripts: no HTTP request) are the
   * deployment's own and are only audited.
   */
  private async checkAndAudit(event: PaymentMethodEvent): Promise<void> {
    const noted = this.changedFields.get(event.entity);
    if (!noted) return;
    this.changedFields.delete(event.entity);
    const fields = [...noted].sort();
    if (fields.length === 0) return;
    const { ctx } = event;
    const guarded = protectedSettingFields(fields);
    if (
      guarded.length > 0 &&
      ctx.req &&
      !ctx.userHasPermissions([updateAlipaySettingsPermission.Permission])
    ) {
      Logger.warn(
        `Refused: admin ${ctx.activeUserId ?? '(none)'} lacks UpdateAlipaySettings to change ${guarded.join(', ')} of payment method ${event.entity.id}`,
        auditLoggerCtx,
      );
      throw new ForbiddenError();
    }
    Logger.info(
      settingsAuditLine({
        actorId: String(ctx.activeUserId ?? (ctx.req ? '(anonymous)' : '(system)')),
        target: `payment method ${event.entity.id}`,
        fields,
      }),
      auditLoggerCtx,
    );
  }

  private assertValid(args: HandlerArgs): void {
    const issues = validateAlipayHandlerArgs(args, process.env, this.options.settingsPolicy);
    if (issues.length > 0) {
      throw new UserInputError(invalidSettingsMessage(describeIssues(issues)));
    }
  }
}
