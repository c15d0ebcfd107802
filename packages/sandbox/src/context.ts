import type { ServerResponse } from 'node:http';
import type { AntomClient } from './antom-accounts';
import type { AntomStore } from './antom-store';
import type { SandboxClock } from './clock';
import type { App, Merchant, ResolvedConfig } from './config';
import type { FaultRegistry } from './faults';
import type { GatewayCall } from './gateway-calls';
import type { Lifecycle } from './lifecycle';
import type { Notifier } from './notifier';
import type { TradeStore } from './trade-store';

/** Everything the gateways, the cashier and the control API share. */
export interface SandboxContext {
  config: ResolvedConfig;
  clock: SandboxClock;
  store: TradeStore;
  faults: FaultRegistry;
  notifier: Notifier;
  lifecycle: Lifecycle;
  /** Every gateway request received since start or the last reset, oldest first. */
  gatewayCalls: GatewayCall[];
  /** `http://host:port` the sandbox is reachable at. */
  baseUrl: string;
  merchant(partner: string | undefined): Merchant | undefined;
  app(appId: string | undefined): App | undefined;
  /** The Antom side: payments and refunds, and the configured clients by client ID. */
  antom: { store: AntomStore; client(clientId: string | undefined): AntomClient | undefined };
  /** Keeps a response open without answering (gateway-hang faults); released on reset and close. */
  hang(res: ServerResponse): void;
}
