import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AlipayCharset } from './charset';
import type { SandboxClock } from './clock';
import type { FaultContext, FaultRegistry } from './faults';
import { encodeForm } from './form-codec';
import { HOUR, MINUTE } from './time';

/**
 * Asynchronous notifications (异步通知): form-encoded POSTs to the merchant's notify_url, in the merchant's
 * charset, retried on Alipay's schedule until the answer is exactly `success`. Antom notifications go
 * through the same queue as signed JSON (`encode`), on Antom's schedule, until the answer is exactly
 * {@link ANTOM_ACK}.
 *
 * Strictness: only an HTTP 200 whose body is exactly the 7 bytes `success` counts. `success\n`,
 * ` success`, `SUCCESS`, or `success` wrapped in HTML are failures, as Alipay's docs demand ("必须输出
 * success，不能包含其他任何字符"). Every attempt is logged for `GET /__sandbox/deliveries`.
 */

/** Intervals between attempts, in Alipay time: 4m, 10m, 10m, 1h, 2h, 6h, 15h (8 attempts in all). */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  4 * MINUTE,
  10 * MINUTE,
  10 * MINUTE,
  HOUR,
  2 * HOUR,
  6 * HOUR,
  15 * HOUR,
];

/** How long a notify_id keeps verifying after `success` (or after the last attempt), Alipay time. */
export const NOTIFY_ID_GRACE_MS = MINUTE;

/** How long a `reorder-notify` fault holds a notification waiting for a later one, Alipay time. */
export const REORDER_HOLD_MS = 10 * MINUTE;

/** How many delivery records `GET /__sandbox/deliveries` keeps (oldest dropped first). */
export const MAX_DELIVERY_RECORDS = 20_000;

/** The wire form of one attempt of a JSON notification (Antom): body, content type and signed headers. */
export interface EncodedNotification {
  body: string;
  contentType: string;
  headers: Record<string, string>;
  /** Top-level fields for the delivery record (objects as JSON text). */
  params: Record<string, string>;
}

/** What to deliver. */
export interface NotificationInput {
  /** Legacy/OpenAPI kinds, or Antom's `notifyType` (PAYMENT_RESULT, PAYMENT_PENDING, REFUND). */
  kind: 'trade_status_sync' | 'batch_refund_notify' | 'PAYMENT_RESULT' | 'PAYMENT_PENDING' | 'REFUND_RESULT';
  generation: 'legacy' | 'openapi' | 'antom';
  /** Partner (legacy), app ID (OpenAPI) or client ID (Antom). */
  owner: string;
  url: string;
  charset: AlipayCharset;
  notifyId: string;
  outTradeNos: string[];
  tradeNo?: string;
  batchNo?: string;
  tradeStatus?: string;
  /** Builds the signed parameters of one attempt (fresh notify_time); `tamper` spoils the signature. */
  build(now: number, tamper: boolean): Record<string, string>;
  /**
   * A JSON notification (Antom) instead of a form: the signed body and headers of one attempt. When set,
   * `build` is not used, and only {@link ANTOM_ACK} with HTTP 200 counts as acknowledged.
   */
  encode?(now: number, tamper: boolean): EncodedNotification;
  /** Intervals between attempts; default {@link RETRY_SCHEDULE_MS}. */
  retrySchedule?: readonly number[];
}

/** One delivery attempt (a duplicated attempt logs two). */
export interface DeliveryRecord {
  id: number;
  notificationId: number;
  notifyId: string;
  kind: NotificationInput['kind'];
  generation: NotificationInput['generation'];
  partner?: string;
  appId?: string;
  /** Antom client ID. */
  clientId?: string;
  outTradeNos: string[];
  tradeNo?: string;
  batchNo?: string;
  tradeStatus?: string;
  /** 1 for the first attempt, up to 8. */
  attempt: number;
  /** 2 for the extra copy of a `duplicate-notify` attempt. */
  copy: number;
  url: string;
  /** Sandbox time of the attempt (epoch ms) and the same in Beijing time. */
  at: number;
  contentType: string;
  /** The body exactly as sent (percent-encoded, ASCII). */
  body: string;
  /** The decoded parameters that were sent (Antom: the top-level JSON fields, objects as JSON text). */
  params: Record<string, string>;
  /** Antom: the signed headers sent with the JSON body (`client-id`, `request-time`, `signature`). */
  headers?: Record<string, string>;
  outcome: 'success' | 'rejected' | 'http-error' | 'network-error' | 'timeout' | 'dropped';
  status?: number;
  /** The merchant's answer (decoded as UTF-8, at most 2 KiB). */
  answer?: string;
  error?: string;
  tampered: boolean;
  durationMs: number;
}

/** A notification and its retry state. */
export interface Notification {
  id: number;
  input: NotificationInput;
  attempts: number;
  state: 'scheduled' | 'held' | 'retrying' | 'delivered' | 'gave-up';
  createdAt: number;
  nextAttemptAt?: number;
  timer?: number;
}

/** Callbacks into the rest of the sandbox. */
export interface NotifierHooks {
  /** The merchant answered `success`, or every attempt failed: the notify_id now expires after a grace. */
  settled(notification: Notification, delivered: boolean): void;
}

interface Answer {
  outcome: DeliveryRecord['outcome'];
  status?: number;
  answer?: string;
  error?: string;
}

function post(
  url: string,
  body: Buffer,
  contentType: string,
  timeoutMs: number,
  ack: Buffer = SUCCESS,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  return new Promise(resolve => {
    let settled = false;
    const done = (answer: Answer): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      }
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ outcome: 'network-error', error: 'invalid notify_url' });
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        agent: false, // a fresh connection per attempt, like a gateway calling out
        headers: {
          'content-type': contentType,
          'content-length': String(body.length),
          'user-agent': 'Mozilla/4.0 (Alipay sandbox notify)',
          connection: 'close',
          ...extraHeaders,
        },
      },
      res => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 64 * 1024) chunks.push(chunk);
        });
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          const text = bytes.toString('utf8').slice(0, 2048);
          const ok = status === 200 && bytes.equals(ack);
          done({
            outcome: ok ? 'success' : status === 200 ? 'rejected' : 'http-error',
            status,
            answer: text,
          });
        });
        res.on('error', error =>
          done({ outcome: 'network-error', status: res.statusCode ?? 0, error: error.message }),
        );
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ outcome: 'timeout', error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', error => done({ outcome: 'network-error', error: error.message }));
    req.end(body);
  });
}

const SUCCESS = Buffer.from('success', 'ascii');

/**
 * The only answer that acknowledges an Antom notification (with HTTP 200), byte for byte: a different
 * body (spaces, another resultMessage, a trailing newline) is a failure and the notification is retried.
 */
export const ANTOM_ACK = '{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}';

const ANTOM_ACK_BYTES = Buffer.from(ANTOM_ACK, 'utf8');

/** Antom's intervals between notification attempts: 2m, 10m, 10m, 1h, 2h, 6h, 15h after the first (at 0 s). */
export const ANTOM_RETRY_SCHEDULE_MS: readonly number[] = [2, 10, 10, 60, 120, 360, 900].map(m => m * MINUTE);

/** Delivers notifications with retries and faults, and logs every attempt. */
export class Notifier {
  private seq = 0;
  private deliverySeq = 0;
  private readonly notifications = new Map<number, Notification>();
  private readonly held = new Map<string, Notification[]>();
  readonly deliveries: DeliveryRecord[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly faults: FaultRegistry,
    private readonly hooks: NotifierHooks,
    private readonly timeoutMs: number,
  ) {}

  private context(input: NotificationInput): FaultContext {
    if (input.generation === 'legacy') return { partner: input.owner, outTradeNos: input.outTradeNos };
    if (input.generation === 'antom') return { clientId: input.owner, outTradeNos: input.outTradeNos };
    return { appId: input.owner, outTradeNos: input.outTradeNos };
  }

  /**
   * Queues a notification. The returned promise settles once its first attempt is done, or at once when a
   * fault delays or holds it (the attempts then happen on the sandbox clock).
   *
   * With `after`, nothing is sent (and no delivery fault is decided) before that promise settles: a refund's
   * notifications wait for the refund call's answer to be written, as on Alipay. `first` then settles
   * after `after` and the first attempt.
   */
  enqueue(
    input: NotificationInput,
    options: { after?: PromiseLike<unknown> } = {},
  ): { notification: Notification; first: Promise<void> } {
    const notification: Notification = {
      id: ++this.seq,
      input,
      attempts: 0,
      state: 'scheduled',
      createdAt: this.clock.now(),
    };
    this.notifications.set(notification.id, notification);
    if (options.after === undefined) return { notification, first: this.start(notification) };
    const ignore = (): void => undefined;
    const first = Promise.resolve(options.after)
      .then(ignore, ignore)
      .then(() => {
        // A reset while the notification waited forgets it: nothing is sent.
        if (this.notifications.get(notification.id) !== notification) return;
        return this.start(notification);
      });
    return { notification, first };
  }

  /** Sends a queued notification's first attempt now, unless a fault holds or delays it. */
  private start(notification: Notification): Promise<void> {
    const input = notification.input;
    const ctx = this.context(input);
    const holdKey = `${input.owner}\u0000${input.outTradeNos.join(',')}`;

    // A later notification for a held trade overtakes it: this one goes first, the held ones follow.
    const waiting = this.held.get(holdKey);
    if (waiting && waiting.length > 0) {
      this.held.delete(holdKey);
      return this.attempt(notification).then(async () => {
        for (const old of waiting) {
          this.clock.cancel(old.timer);
          await this.attempt(old);
        }
      });
    }

    if (this.faults.take('reorder-notify', ctx)) {
      notification.state = 'held';
      this.held.set(holdKey, [...(this.held.get(holdKey) ?? []), notification]);
      // Nothing overtook it in time: deliver it anyway, late.
      notification.timer = this.clock.schedule(this.clock.scaled(REORDER_HOLD_MS), () => {
        const list = this.held.get(holdKey)?.filter(n => n !== notification) ?? [];
        if (list.length > 0) this.held.set(holdKey, list);
        else this.held.delete(holdKey);
        return this.attempt(notification);
      });
      notification.nextAttemptAt = this.clock.now() + this.clock.scaled(REORDER_HOLD_MS);
      return Promise.resolve();
    }

    const delay = this.faults.take('delay-notify', ctx);
    if (delay) {
      const ms = delay.ms ?? 0;
      notification.nextAttemptAt = this.clock.now() + ms;
      notification.timer = this.clock.schedule(ms, () => this.attempt(notification));
      return Promise.resolve();
    }
    return this.attempt(notification);
  }

  private async attempt(notification: Notification): Promise<void> {
    if (notification.state === 'delivered' || notification.state === 'gave-up') return;
    notification.attempts++;
    notification.state = 'retrying';
    notification.nextAttemptAt = undefined;
    const input = notification.input;
    const ctx = this.context(input);
    const copies = this.faults.take('duplicate-notify', ctx) ? 2 : 1;
    const dropped = this.faults.take('drop-notify', ctx) !== undefined;

    const results = await Promise.all(
      Array.from({ length: copies }, async (_, i) => {
        const now = this.clock.now();
        const tampered = this.faults.take('tamper-signature', ctx) !== undefined;
        const encoded = input.encode?.(now, tampered);
        const params = encoded ? encoded.params : input.build(now, tampered);
        const body = encoded ? encoded.body : encodeForm(params, input.charset);
        const contentType =
          encoded?.contentType ??
          `application/x-www-form-urlencoded; charset=${input.charset === 'utf-8' ? 'utf-8' : 'GBK'}`;
        const started = Date.now();
        const answer: Answer = dropped
          ? { outcome: 'dropped', error: 'dropped by fault injection' }
          : encoded
            ? await post(
                input.url,
                Buffer.from(body, 'utf8'),
                contentType,
                this.timeoutMs,
                ANTOM_ACK_BYTES,
                encoded.headers,
              )
            : await post(input.url, Buffer.from(body, 'latin1'), contentType, this.timeoutMs);
        const record: DeliveryRecord = {
          id: ++this.deliverySeq,
          notificationId: notification.id,
          notifyId: input.notifyId,
          kind: input.kind,
          generation: input.generation,
          outTradeNos: input.outTradeNos,
          attempt: notification.attempts,
          copy: i + 1,
          url: input.url,
          at: now,
          contentType,
          body,
          params,
          outcome: answer.outcome,
          tampered,
          durationMs: Date.now() - started,
        };
        if (input.generation === 'legacy') record.partner = input.owner;
        else if (input.generation === 'antom') record.clientId = input.owner;
        else record.appId = input.owner;
        if (encoded) record.headers = encoded.headers;
        if (input.tradeNo) record.tradeNo = input.tradeNo;
        if (input.batchNo) record.batchNo = input.batchNo;
        if (input.tradeStatus) record.tradeStatus = input.tradeStatus;
        if (answer.status !== undefined) record.status = answer.status;
        if (answer.answer !== undefined) record.answer = answer.answer;
        if (answer.error !== undefined) record.error = answer.error;
        this.deliveries.push(record);
        // Bounded, so a long-running sandbox under load keeps a stable footprint.
        if (this.deliveries.length > MAX_DELIVERY_RECORDS)
          this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERY_RECORDS);
        return answer.outcome === 'success';
      }),
    );

    if (results.some(Boolean)) {
      notification.state = 'delivered';
      this.hooks.settled(notification, true);
      return;
    }
    const wait = (input.retrySchedule ?? RETRY_SCHEDULE_MS)[notification.attempts - 1];
    if (wait === undefined) {
      notification.state = 'gave-up';
      this.hooks.settled(notification, false);
      return;
    }
    const delay = this.clock.scaled(wait);
    notification.nextAttemptAt = this.clock.now() + delay;
    notification.timer = this.clock.schedule(delay, () => this.attempt(notification));
  }

  /** Notifications and their state (for the control API). */
  list(): Notification[] {
    return [...this.notifications.values()];
  }

  /** Forgets all notifications and deliveries; scheduled attempts must be cleared on the clock too. */
  clear(): void {
    this.notifications.clear();
    this.held.clear();
    this.deliveries.length = 0;
  }
}
