/**
 * Nest injection token under which the validated {@link ResolvedAlipayPluginOptions} are provided.
 *
 * A symbol rather than a class token because the options are a plain object handed to
 * `AlipayPlugin.init()`, and a symbol cannot collide with another plugin's token.
 */
export const ALIPAY_PLUGIN_OPTIONS = Symbol('ALIPAY_PLUGIN_OPTIONS');

/** The single logger context used by every log line of this plugin, so one filter finds them all. */
export const loggerCtx = 'AlipayPlugin';

/**
 * The logger context of the settings audit (who changed which Alipay settings, refused changes): lines
 * about administrators, not orders, kept apart so they can be routed to an audit log.
 */
export const auditLoggerCtx = 'AlipayPluginAudit';

/** Code of the Alipay `PaymentMethodHandler`; a `PaymentMethod`'s `handler.code` refers to it. */
export const ALIPAY_HANDLER_CODE = 'alipay';

/** Path (without leading slash) under which the plugin's REST controller is mounted. */
export const ALIPAY_ROUTE_BASE = 'payments/alipay';

/** Path segment of the asynchronous notification endpoint (Alipay's `notify_url`). */
export const ALIPAY_NOTIFY_SEGMENT = 'notify';

/** Path segment of the browser return endpoint (Alipay's `return_url`). */
export const ALIPAY_RETURN_SEGMENT = 'return';

/**
 * Route prefix that receives the raw-body middleware. Only the notify endpoint needs the untouched
 * bytes: Alipay may post GBK-encoded forms that Nest's global urlencoded parser rejects with 415.
 */
export const ALIPAY_NOTIFY_ROUTE = `/${ALIPAY_ROUTE_BASE}/${ALIPAY_NOTIFY_SEGMENT}`;

/** Name of the job queue that confirms escrow shipments to Alipay (发货), retried with backoff. */
export const ALIPAY_SHIPMENT_QUEUE = 'alipay-confirm-shipment';

/** ID of the scheduled task that reconciles pending trades with Alipay (see `reconciliationIntervalMinutes`). */
export const ALIPAY_RECONCILIATION_TASK_ID = 'alipay-reconcile-pending-trades';

/** Name of the `Order` custom field the plugin sets when something at Alipay needs the admin. */
export const ALIPAY_ALERT_FIELD = 'alipayAlert';
