/**
 * The verdict on one notify request, as its one outcome log line states it (see the notify route).
 *
 * @packageDocumentation
 */
import type { NotifyAnswer } from './handle-notification';

/** Whether the shop processed a notify request as news, and why (machine-readable). */
export interface NotifyOutcome {
  verdict: 'accepted' | 'refused';
  reason: string;
}

/**
 * Accepted: verified, claimed as new and processed (applied, a status recorded, an orphan recorded).
 * Refused: rejected by verification, a business check or the core's lifecycle (`reject`), a duplicate,
 * answered `fail` for Alipay to send again (`retry_later`), or not processed (failure).
 */
export function notifyOutcomeOf(answer: Pick<NotifyAnswer, 'result' | 'detail'>): NotifyOutcome {
  const accepted = answer.result === 'processed' || answer.result === 'ignored' || answer.result === 'orphan';
  const reason =
    answer.result === 'duplicate' ? 'duplicate' : answer.result === 'busy' ? 'claim_busy' : answer.detail;
  return {
    verdict: accepted ? 'accepted' : 'refused',
    reason: reason.replace(/[^\w.:-]/g, '_').slice(0, 64) || answer.result,
  };
}
