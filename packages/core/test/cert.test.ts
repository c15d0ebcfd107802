import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certSerialNumber,
  publicKeyFromCert,
  rootCertSerialNumber,
  splitCertificates,
} from '../src/sign/cert';
import { toPublicKey } from '../src/sign/keys';
import { fixture, vectors } from './fixtures/openapi/vectors';

function spki(key: Parameters<typeof toPublicKey>[0]): string {
  return toPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
}

describe('certificate serial numbers: published vectors', () => {
  for (const vector of vectors.certificateSerialNumbers) {
    it(`${vector.id}: app_cert_sn and alipay_root_cert_sn as published`, () => {
      expect(certSerialNumber(fixture(vector.appCertFile))).toBe(vector.appCertSn);
      expect(rootCertSerialNumber(fixture(vector.rootCertFile))).toBe(vector.rootCertSn);
      if (vector.alipayCertFile) {
        expect(certSerialNumber(fixture(vector.alipayCertFile))).toBe(vector.alipayCertSn);
      }
    });
  }

  it('the current Alipay root bundle gives 687b…_0294… (its SM2 and ECC roots are skipped)', () => {
    const bundle = fixture('alipay-sdk-nodejs-all/alipayRootCert.crt');
    expect(splitCertificates(bundle)).toHaveLength(4);
    expect(rootCertSerialNumber(bundle)).toBe(
      '687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6',
    );
    // yansongda ships the same bundle (other line wrapping): same answer.
    expect(rootCertSerialNumber(fixture('yansongda-pay/alipayRootCert.crt'))).toBe(
      rootCertSerialNumber(bundle),
    );
  });

  it('publicKeyFromCert gives the key alipay-sdk-nodejs-all publishes for alipayCertPublicKey_RSA2.crt', () => {
    const vector = vectors.certificateSerialNumbers.find(v => v.alipayPublicKeyBase64)!;
    const pem = publicKeyFromCert(fixture(vector.alipayCertFile!));
    expect(pem).toContain('-----BEGIN PUBLIC KEY-----');
    expect(pem.replace(/-----[A-Z ]+-----|\s/g, '')).toBe(vector.alipayPublicKeyBase64);
  });

  it('publicKeyFromCert takes the first certificate of a chain file (leaf before its CA)', () => {
    const chain = fixture('yansongda-pay/alipayPublicCert.crt');
    const [leaf, ca] = splitCertificates(chain);
    expect(ca).toBeDefined();
    expect(spki(publicKeyFromCert(chain))).toBe(spki(leaf!.publicKey));
    expect(spki(publicKeyFromCert(chain))).not.toBe(spki(ca!.publicKey));
  });

  it('throws on text without a certificate', () => {
    expect(() => certSerialNumber('not a certificate')).toThrow(TypeError);
    expect(() => publicKeyFromCert('')).toThrow(TypeError);
    expect(rootCertSerialNumber('')).toBe('');
  });
});

describe('certificate serial numbers: certificates made with openssl', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }).toString();

  /** The SN computed independently: openssl's RFC 2253 issuer (UTF-8 kept) + decimal serial, md5. */
  function expectedSn(certFile: string): string {
    const issuer = openssl('x509', '-in', certFile, '-noout', '-issuer', '-nameopt', 'RFC2253,-esc_msb')
      .trim()
      .replace(/^issuer=/, '');
    const serialHex = openssl('x509', '-in', certFile, '-noout', '-serial')
      .trim()
      .replace(/^serial=/, '');
    return createHash('md5')
      .update(issuer + BigInt(`0x${serialHex}`).toString(10), 'utf8')
      .digest('hex');
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alipay-cert-test-'));
    const root = (name: string, keyArgs: string[], subject: string, serial: string) =>
      openssl(
        'req',
        '-x509',
        '-new',
        ...keyArgs,
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '3650',
        '-sha256',
        '-utf8',
        '-subj',
        subject,
        '-set_serial',
        serial,
      );
    root(
      'rsa-root',
      ['-newkey', 'rsa:2048'],
      '/C=CN/O=Test Org/OU=Certification Authority/CN=Test RSA Root',
      '0x0123456789ABCDEF0123456789',
    );
    root(
      'ec-root',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
      '/C=CN/O=Test Org/CN=Test ECC Root',
      '0x42',
    );
    root(
      'rsa-root-2',
      ['-newkey', 'rsa:2048'],
      '/C=CN/O=Test Org\\, Ltd./CN=测试根证书',
      '0x8000000000000001',
    );
    // An app certificate issued by the RSA root, as the open platform issues appCertPublicKey_<APPID>.crt.
    openssl(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'app.key',
      '-out',
      'app.csr',
      '-utf8',
      '-subj',
      '/C=CN/O=测试商户/OU=Alipay/CN=2088000000000000-2021000000000000',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      'app.csr',
      '-CA',
      'rsa-root.crt',
      '-CAkey',
      'rsa-root.key',
      '-set_serial',
      '0x2023060769B99529DC18B16AC12FD695',
      '-days',
      '2',
      '-sha256',
      '-out',
      'app.crt',
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('app_cert_sn: issuer DN in reverse order (CN first, no spaces) + decimal serial', () => {
    const pem = readFileSync(file('app.crt'), 'utf8');
    const sn = certSerialNumber(pem);
    expect(sn).toBe(expectedSn('app.crt'));
    const expectedText = `CN=Test RSA Root,OU=Certification Authority,O=Test Org,C=CN${BigInt('0x2023060769B99529DC18B16AC12FD695')}`;
    expect(sn).toBe(createHash('md5').update(expectedText).digest('hex'));
  });

  it('handles escaped commas, UTF-8 names and serials with the high bit set', () => {
    expect(certSerialNumber(readFileSync(file('rsa-root-2.crt'), 'utf8'))).toBe(expectedSn('rsa-root-2.crt'));
  });

  it('alipay_root_cert_sn keeps only RSA-signed roots, in bundle order, joined by _', () => {
    const [rsa, ec, rsa2] = ['rsa-root.crt', 'ec-root.crt', 'rsa-root-2.crt'].map(f =>
      readFileSync(file(f), 'utf8'),
    );
    const expected = `${expectedSn('rsa-root.crt')}_${expectedSn('rsa-root-2.crt')}`;
    expect(rootCertSerialNumber(`${ec}${rsa}${ec}${rsa2}`)).toBe(expected);
    // Bundles glued without a newline, or with CRLF line ends, read the same.
    expect(rootCertSerialNumber(`${rsa!.trim()}${ec!.trim()}${rsa2!.trim()}`)).toBe(expected);
    expect(rootCertSerialNumber(`${rsa}${ec}${rsa2}`.replace(/\n/g, '\r\n'))).toBe(expected);
    expect(rootCertSerialNumber(ec!)).toBe('');
  });

  it('publicKeyFromCert returns the certified key as SPKI PEM', () => {
    const pem = publicKeyFromCert(readFileSync(file('app.crt'), 'utf8'));
    const appKey = createPublicKey(createPrivateKey(readFileSync(file('app.key'), 'utf8')));
    expect(spki(pem)).toBe(spki(appKey));
  });
});
