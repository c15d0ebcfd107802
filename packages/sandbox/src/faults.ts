/**
 * Fault injection for reliability tests. A fault applies to a scope (a partner, an app, one merchant
 * order number, or everything when the scope is empty) and fires `count` times (unlimited when absent).
 */

/** The faults the sandbox can inject. */
export const FAULT_KINDS = [
  'drop-notify',
  'duplicate-notify',
  'delay-notify',
  'reorder-notify',
  'gateway-500',
  'gateway-hang',
  'notify-verify-500',
  'notify-verify-hang',
  'tamper-signature',
  'refund-notify-first',
  'unsigned-response',
  'unknown-result',
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Where a fault applies; every given field must match. */
export interface FaultScope {
  partner?: string;
  appId?: string;
  /** An Antom client ID. */
  clientId?: string;
  /** A merchant order number; for Antom, a `paymentRequestId`. */
  outTradeNo?: string;
}

/** A fault as added through `POST /__sandbox/faults`. */
export interface FaultInput {
  scope?: FaultScope;
  fault: FaultKind;
  /** Times the fault fires before it is removed; unlimited when absent. */
  count?: number;
  /** For `delay-notify`: the delay in sandbox ms. */
  ms?: number;
}

/** A registered fault. */
export interface Fault {
  id: number;
  scope: FaultScope;
  fault: FaultKind;
  /** Remaining firings, or null for unlimited. */
  remaining: number | null;
  ms?: number;
  /** How often it fired so far. */
  fired: number;
}

/** What a request or notification is about, for scope matching. */
export interface FaultContext {
  partner?: string;
  appId?: string;
  clientId?: string;
  outTradeNos?: readonly string[];
}

/** Validation problem of a fault input. */
export class FaultInputError extends Error {}

function matches(scope: FaultScope, ctx: FaultContext): boolean {
  if (scope.partner !== undefined && scope.partner !== ctx.partner) return false;
  if (scope.appId !== undefined && scope.appId !== ctx.appId) return false;
  if (scope.clientId !== undefined && scope.clientId !== ctx.clientId) return false;
  if (scope.outTradeNo !== undefined && !(ctx.outTradeNos ?? []).includes(scope.outTradeNo)) return false;
  return true;
}

/** The registry of active faults. */
export class FaultRegistry {
  private seq = 0;
  private faults: Fault[] = [];

  /** Validates and registers a fault. */
  add(input: FaultInput): Fault {
    if (!input || !(FAULT_KINDS as readonly string[]).includes(input.fault)) {
      throw new FaultInputError(`fault must be one of ${FAULT_KINDS.join(', ')}`);
    }
    const scope: FaultScope = {};
    for (const key of ['partner', 'appId', 'clientId', 'outTradeNo'] as const) {
      const value = input.scope?.[key];
      if (value !== undefined) {
        if (typeof value !== 'string' || value === '')
          throw new FaultInputError(`scope.${key} must be a string`);
        scope[key] = value;
      }
    }
    if (input.count !== undefined && !(Number.isInteger(input.count) && input.count > 0)) {
      throw new FaultInputError('count must be a positive integer');
    }
    if (input.fault === 'delay-notify' && !(typeof input.ms === 'number' && input.ms >= 0)) {
      throw new FaultInputError('delay-notify needs ms (sandbox milliseconds)');
    }
    const fault: Fault = {
      id: ++this.seq,
      scope,
      fault: input.fault,
      remaining: input.count ?? null,
      fired: 0,
    };
    if (input.ms !== undefined) fault.ms = input.ms;
    this.faults.push(fault);
    return fault;
  }

  /** Active faults. */
  list(): Fault[] {
    return this.faults.map(f => ({ ...f, scope: { ...f.scope } }));
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = [];
  }

  /** Whether a fault of this kind applies, without consuming it. */
  has(kind: FaultKind, ctx: FaultContext): boolean {
    return this.faults.some(f => f.fault === kind && matches(f.scope, ctx));
  }

  /** Fires the first matching fault of this kind (consuming one of its count), or returns undefined. */
  take(kind: FaultKind, ctx: FaultContext): Fault | undefined {
    const fault = this.faults.find(f => f.fault === kind && matches(f.scope, ctx));
    if (!fault) return undefined;
    fault.fired++;
    if (fault.remaining !== null) {
      fault.remaining--;
      if (fault.remaining <= 0) this.faults = this.faults.filter(f => f !== fault);
    }
    return { ...fault };
  }
}
