import { type ConfigIssue, maskSecret, settingsToConfig } from '@alipay-commerce/core';
import { Injectable } from '@nestjs/common';
import { PaymentMethod, TransactionalConnection, UserInputError } from '@vendure/core';
import type { EntitySubscriberInterface, InsertEvent, UpdateEvent } from 'typeorm';
import { describeIssues, isLiteralSecret, SECRET_ARG_NAMES, settingsFromArgs } from './alipay-helpers';
import { invalidSettingsMessage } from './alipay-messages';
import { ALIPAY_HANDLER_CODE } from './constants';

type HandlerArgs = PaymentMethod['handler']['args'];

/**
 * Checks the arguments of an Alipay payment method with the core's schema (`settingsToConfig`, after
 * resolving `env:NAME` secrets) and returns the issues, each naming the field; empty when usable.
 */
export function validateAlipayHandlerArgs(
  args: HandlerArgs,
  env: NodeJS.ProcessEnv = process.env,
): ConfigIssue[] {
  const flat = settingsFromArgs(args, env);
  if (!flat.ok) {
    return flat.issues;
  }
  const result = settingsToConfig(flat.settings);
  return result.ok ? [] : result.issues;
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
  constructor(connection: TransactionalConnection) {
    const { subscribers } = connection.rawConnection;
    if (!subscribers.some(subscriber => subscriber instanceof AlipayPaymentMethodSubscriber)) {
      subscribers.push(this);
    }
  }

  /** Only payment methods concern this subscriber. */
  listenTo(): typeof PaymentMethod {
    return PaymentMethod;
  }

  /** A new Alipay payment method must have usable settings. */
  beforeInsert(event: InsertEvent<PaymentMethod>): void {
    if (isAlipayMethod(event.entity)) {
      this.assertValid(event.entity.handler.args);
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
    }
  }

  private assertValid(args: HandlerArgs): void {
    const issues = validateAlipayHandlerArgs(args);
    if (issues.length > 0) {
      throw new UserInputError(invalidSettingsMessage(describeIssues(issues)));
    }
  }
}
