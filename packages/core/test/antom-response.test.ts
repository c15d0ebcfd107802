import { describe, expect, it } from 'vitest';
import { verifyAntomResponse } from '../src/antom/response';
import { AntomResultError } from '../src/antom/result';
import { AlipayResponseError } from '../src/errors';
import { antomKeys, antomVectors } from './helpers/antom-gateway';

const responses = antomVectors.vectors.filter(v => v.kind === 'response');

function input(
  vector: (typeof responses)[number],
  overrides: Partial<Parameters<typeof verifyAntomResponse>[0]> = {},
) {
  return {
    api: 'test',
    path: vector.path,
    headers: { 'client-id': vector.clientId, 'response-time': vector.time, signature: vector.header },
    body: Buffer.from(vector.body, 'utf8'),
    antomPublicKey: antomKeys.antomPublic,
    clientId: vector.clientId,
    ...overrides,
  };
}

describe('verifyAntomResponse', () => {
  it.each(responses.map(v => [v.name, v] as const))(
    'golden %s verifies and yields its result',
    (_name, vector) => {
      const verified = verifyAntomResponse(input(vector));
      expect(verified.signed).toBe(true);
      expect(verified.body).toEqual(JSON.parse(vector.body));
      expect(verified.result).toEqual(JSON.parse(vector.body).result);
    },
  );

  it('reads headers from a fetch Headers object, case-insensitively', () => {
    const vector = responses[0]!;
    const headers = new Headers({
      'Client-Id': vector.clientId,
      'Response-Time': vector.time,
      Signature: vector.header,
    });
    expect(verifyAntomResponse(input(vector, { headers })).signed).toBe(true);
  });

  it('refuses a changed byte, another path, another key or another client ID', () => {
    const vector = responses[0]!;
    const body = Buffer.from(vector.body, 'utf8');
    body[body.length - 2] = body[body.length - 2]! ^ 1;
    expect(() => verifyAntomResponse(input(vector, { body }))).toThrow(AlipayResponseError);
    expect(() => verifyAntomResponse(input(vector, { path: '/ams/api/v1/payments/cancel' }))).toThrow(
      /does not verify/,
    );
    expect(() => verifyAntomResponse(input(vector, { antomPublicKey: antomKeys.merchantPublic }))).toThrow(
      /does not verify/,
    );
    expect(() => verifyAntomResponse(input(vector, { clientId: 'ME' }))).toThrow(/another client ID/);
  });

  it('without a signature: F is reported as AntomResultError, S and U and garbage are refused', () => {
    const unsigned = (body: unknown) =>
      verifyAntomResponse({
        api: 'pay',
        path: '/ams/api/v1/payments/pay',
        headers: {},
        body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
        antomPublicKey: antomKeys.antomPublic,
        clientId: 'C',
      });
    expect(() =>
      unsigned({ result: { resultCode: 'KEY_NOT_FOUND', resultStatus: 'F', resultMessage: 'no key' } }),
    ).toThrow(AntomResultError);
    expect(() =>
      unsigned({ result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: '' } }),
    ).toThrow(/no signature and is not a failure/);
    expect(() => unsigned({ result: { resultCode: 'X', resultStatus: 'U', resultMessage: '' } })).toThrow(
      AlipayResponseError,
    );
    expect(() => unsigned('<html>502</html>')).toThrow(/not UTF-8 JSON/);
    expect(() => unsigned('null')).toThrow(/not a JSON object/);
  });
});
