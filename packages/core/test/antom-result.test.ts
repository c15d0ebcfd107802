import { describe, expect, it } from 'vitest';
import { ANTOM_RESULT_CODES, AntomResultError, antomResultOf } from '../src/antom/result';
import { AlipayGatewayError } from '../src/errors';

describe('antomResultOf', () => {
  it('reads S, F and U envelopes', () => {
    for (const resultStatus of ['S', 'F', 'U'] as const) {
      expect(antomResultOf({ result: { resultCode: 'C', resultStatus, resultMessage: 'm' } })).toEqual({
        resultCode: 'C',
        resultStatus,
        resultMessage: 'm',
      });
    }
    expect(antomResultOf({ result: { resultCode: 'C', resultStatus: 'S' } })?.resultMessage).toBe('');
  });

  it.each([
    [null],
    ['S'],
    [{}],
    [{ result: null }],
    [{ result: { resultCode: 'SUCCESS', resultStatus: 's' } }],
    [{ result: { resultCode: 'SUCCESS', resultStatus: 'SUCCESS' } }],
    [{ result: { resultCode: '', resultStatus: 'S' } }],
    [{ result: { resultStatus: 'S' } }],
  ])('refuses %j', answer => {
    expect(antomResultOf(answer)).toBeUndefined();
  });
});

describe('AntomResultError', () => {
  it('is a gateway error with the result code, Antom’s message and a bilingual hint', () => {
    const error = new AntomResultError('refund', {
      resultCode: 'REFUND_AMOUNT_EXCEED',
      resultStatus: 'F',
      resultMessage: 'too much',
    });
    expect(error).toBeInstanceOf(AlipayGatewayError);
    expect(error.code).toBe('ANTOM_RESULT_FAILED');
    expect(error.gatewayCode).toBe('REFUND_AMOUNT_EXCEED');
    expect(error.gatewayMessage).toBe('too much');
    expect(error.hint).toEqual(ANTOM_RESULT_CODES['REFUND_AMOUNT_EXCEED']!.hint);
    expect(error.retryable).toBe(false);
  });

  it('has a generic bilingual hint for codes it does not know', () => {
    const error = new AntomResultError('pay', {
      resultCode: 'NEW_CODE',
      resultStatus: 'F',
      resultMessage: '',
    });
    expect(error.hint.en).toContain('NEW_CODE');
    expect(error.hint.zh).toContain('NEW_CODE');
    expect(error.gatewayMessage).toBeUndefined();
  });

  it('every known code has both languages', () => {
    for (const info of Object.values(ANTOM_RESULT_CODES)) {
      expect(info.hint.en.length).toBeGreaterThan(10);
      expect(info.hint.zh).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
