import type { IncomingMessage, ServerResponse } from 'node:http';
import { AlipayError } from '../errors';
import { DEFAULT_MAX_FORM_BYTES } from './form';

/**
 * Largest notification body the shops read: 64 KiB, the form parser's own cap. Real notifications are a
 * few KiB; the endpoint is public and unauthenticated, so every byte above this is an attack.
 */
export const NOTIFY_BODY_LIMIT_BYTES = DEFAULT_MAX_FORM_BYTES;

/**
 * Time allowed for a whole notification body, from the moment the shop starts reading it: 10 s. Alipay
 * sends a few KiB at once; a body still arriving after this is a client holding a connection open
 * (one byte a second would otherwise keep it for Node's `requestTimeout`, five minutes).
 */
export const NOTIFY_BODY_DEADLINE_MS = 10_000;

/**
 * How long {@link answerNotifyRequest} keeps a refused connection after its answer, before destroying it:
 * 1 s. Closing a socket whose client is still sending makes the kernel answer with a reset, and a reset
 * can discard the answer before the client has read it; the pause lets a client that reads see its 413.
 * Nothing more is read meanwhile, and a client that uploads without ever reading holds the socket no
 * longer than this.
 */
export const CLOSE_GRACE_MS = 1_000;

/**
 * Why a request body was not read, named as Express's body parsers name it (`body:<type>` in the
 * plugins' log lines): `entity.too.large` (over the byte limit, declared or counted), `request.timeout`
 * (not complete within the deadline), `request.aborted` (the client went away mid-body),
 * `encoding.unsupported` (a `Content-Encoding` other than `identity`: Alipay never compresses
 * notifications, and inflating would multiply what the limit bounds).
 */
export type RequestBodyErrorType =
  | 'entity.too.large'
  | 'request.timeout'
  | 'request.aborted'
  | 'encoding.unsupported';

const STATUS_OF: Record<RequestBodyErrorType, number> = {
  'entity.too.large': 413,
  'request.timeout': 408,
  'request.aborted': 400,
  'encoding.unsupported': 415,
};

/** A request body that {@link readRequestBody} refused to read (further); answer it with {@link answerNotifyRequest}. */
export class RequestBodyError extends AlipayError {
  /** What went wrong, machine-readable (see {@link RequestBodyErrorType}). */
  readonly type: RequestBodyErrorType;
  /** The HTTP status that answers it: 413, 408, 400 or 415. */
  readonly status: number;
  /** Body bytes read before stopping (0 when refused from the headers alone). */
  readonly received: number;

  constructor(type: RequestBodyErrorType, message: string, received: number) {
    super(`REQUEST_BODY_${type.replace('.', '_').toUpperCase()}`, message, {
      en: 'The request body was refused (too large, too slow, aborted or compressed); the connection was closed.',
      zh: '请求体被拒绝（过大、过慢、中断或经过压缩），连接已关闭。',
    });
    this.type = type;
    this.status = STATUS_OF[type];
    this.received = received;
  }
}

/** Options of {@link readRequestBody}. */
export interface ReadRequestBodyOptions {
  /** Refuse a body larger than this many bytes. Default {@link NOTIFY_BODY_LIMIT_BYTES}. */
  limitBytes?: number;
  /** Refuse a body not complete this many milliseconds after the call. Default {@link NOTIFY_BODY_DEADLINE_MS}. */
  deadlineMs?: number;
}

/**
 * Reads a request body as the exact bytes received (no decoding: Alipay signs bytes that may be GBK),
 * counting them as they arrive, whatever the framing (`Content-Length` or chunked).
 *
 * Rejects with a {@link RequestBodyError} — and stops reading at once, leaving the rest unread — when a
 * declared `Content-Length` is over the limit (before reading anything), when the bytes counted so far
 * pass it (so at most the limit plus the chunk that crossed it are held), when the body is not complete
 * within the deadline, when the client aborts, or when the body is compressed. The caller then answers
 * with {@link answerNotifyRequest}: after a refusal the connection cannot be reused, because the rest of the
 * body was never read.
 */
export function readRequestBody(req: IncomingMessage, options: ReadRequestBodyOptions = {}): Promise<Buffer> {
  const limit = options.limitBytes ?? NOTIFY_BODY_LIMIT_BYTES;
  const deadlineMs = options.deadlineMs ?? NOTIFY_BODY_DEADLINE_MS;
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== '') {
    return Promise.reject(
      new RequestBodyError(
        'encoding.unsupported',
        `Content-Encoding ${JSON.stringify(encoding)} is not read`,
        0,
      ),
    );
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(
      new RequestBodyError('entity.too.large', `declared body of ${declared} bytes exceeds ${limit}`, 0),
    );
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (error: RequestBodyError) => {
      cleanup();
      // Nothing more enters the process: the socket stops being read (a paused request alone lets the
      // HTTP parser buffer a little more), and the caller closes it with its answer.
      req.pause();
      req.socket?.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        stop(new RequestBodyError('entity.too.large', `body passed ${limit} bytes`, received));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onAborted = () => {
      stop(new RequestBodyError('request.aborted', 'the client closed the connection mid-body', received));
    };
    const onError = () => onAborted();
    const onClose = () => {
      // `close` before `end`: the connection went away (Node ≥ 16 emits no `aborted` in every case).
      if (!req.complete) onAborted();
    };
    const timer = setTimeout(() => {
      stop(new RequestBodyError('request.timeout', `body not complete within ${deadlineMs} ms`, received));
    }, deadlineMs);
    timer.unref?.();
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', onError);
      req.off('close', onClose);
      // A late `error` after cleanup must not be unhandled.
      req.on('error', ignore);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function ignore(): void {}

/**
 * The content type of a notify answer: `application/json` for Antom's acknowledgement (a JSON object),
 * `text/plain` for Alipay's `success` / `fail`.
 */
export function notifyReplyContentType(text: string): string {
  return text.startsWith('{') ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8';
}

/**
 * Answers a request to a notify endpoint: `text` with `status`, as {@link notifyReplyContentType} says. When the request body
 * was not read to its end — a {@link RequestBodyError}, or a refusal decided before reading (unknown
 * endpoint, wrong content type) — the answer carries `Connection: close`, nothing more is read from the
 * socket, its sending side is closed once the answer is written, and it is destroyed
 * {@link CLOSE_GRACE_MS} later. Otherwise Node would keep reading, and discarding, whatever the client
 * still sends (endlessly, for an endless body); and destroying at once would reset the connection while
 * the client still sends, which can discard the answer before the client reads it.
 */
export function answerNotifyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
): void {
  const body = Buffer.from(text, 'utf8');
  if (req.readableEnded) {
    res.statusCode = status;
    res.setHeader('Content-Type', notifyReplyContentType(text));
    res.setHeader('Content-Length', body.length);
    res.end(body);
    return;
  }
  const socket = req.socket;
  if (!socket || socket.destroyed) return;
  // Stop reading, and stay stopped: after the answer Node resumes the request to discard its rest
  // (`req._dump`), which would resume the socket; it is paused again in the same tick, before any read.
  const keepPaused = () => socket.pause();
  socket.pause();
  socket.on('resume', keepPaused);
  // Node ends a `Connection: close` answer with `destroySoon()`, which destroys as soon as the answer is
  // handed to the kernel: too early (see CLOSE_GRACE_MS). This socket only half-closes; the timer destroys it.
  socket.destroySoon = () => {
    socket.end();
  };
  const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  grace.unref?.();
  socket.once('close', () => clearTimeout(grace));
  if (res.headersSent) {
    socket.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', notifyReplyContentType(text));
  res.setHeader('Content-Length', body.length);
  res.setHeader('Connection', 'close');
  res.end(body, () => socket.end());
}
