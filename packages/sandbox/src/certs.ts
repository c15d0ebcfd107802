import { createHash, sign as cryptoSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  certSerialNumber,
  rootCertSerialNumber,
  toPrivateKey,
  toPublicKey,
} from '@alipay-commerce/core/primitives';

/**
 * Public-key certificate mode (公钥证书模式) without openssl: a few DER writers are enough to issue the
 * three files Alipay hands a merchant — the app certificate (appCertPublicKey_<appId>.crt), the Alipay
 * certificate (alipayCertPublicKey_RSA2.crt) and the root bundle (alipayRootCert.crt). Everything runs in
 * pure node:crypto, so it works offline and on machines without an openssl binary.
 *
 * Like Alipay's real bundle, the root bundle mixes RSA-signed roots with an ECDSA-signed one; only the
 * RSA ones count in `alipay_root_cert_sn`, which catches clients that hash every root.
 */

// ---- DER writers ---------------------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const nul = (): Buffer => Buffer.from([0x05, 0x00]);
const bool = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const bitString = (content: Buffer, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));

function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const stack: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) stack.unshift((n & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(date: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0');
  const text =
    `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

/** A distinguished name, written in the order C, O, OU, CN (Alipay's SN reverses it to CN,OU,O,C). */
export interface DistinguishedName {
  C: string;
  O: string;
  OU: string;
  CN: string;
}

const NAME_OIDS: Record<keyof DistinguishedName, string> = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
};

function name(dn: DistinguishedName): Buffer {
  const rdns = (['C', 'O', 'OU', 'CN'] as const).map(key => {
    // countryName must be a PrintableString; the others are UTF8String.
    const value =
      key === 'C' ? tlv(0x13, Buffer.from(dn[key], 'ascii')) : tlv(0x0c, Buffer.from(dn[key], 'utf8'));
    return set(seq(oid(NAME_OIDS[key]), value));
  });
  return seq(...rdns);
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), nul());
const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

function extensions(ca: boolean): Buffer {
  const basicConstraints = seq(oid('2.5.29.19'), bool(true), octets(ca ? seq(bool(true)) : seq()));
  // keyUsage: CA → keyCertSign | cRLSign; leaf → digitalSignature.
  const keyUsage = seq(
    oid('2.5.29.15'),
    bool(true),
    octets(ca ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7)),
  );
  return explicit(3, seq(basicConstraints, keyUsage));
}

/** What to put in one certificate. */
interface CertificateSpec {
  subject: DistinguishedName;
  issuer: DistinguishedName;
  subjectKey: KeyObject;
  signingKey: KeyObject;
  ca: boolean;
  /** Seeds the serial number, so the same keys always give the same SNs. */
  serialSeed: string;
}

function pem(der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** Issues one X.509 v3 certificate (PEM). RSA signing keys sign SHA256withRSA, EC keys ECDSA-SHA256. */
export function issueCertificate(spec: CertificateSpec): string {
  const spki = spec.subjectKey.export({ type: 'spki', format: 'der' });
  const serial = createHash('sha256').update(spec.serialSeed).update(spki).digest().subarray(0, 16);
  serial[0] = (serial[0]! & 0x7f) | 0x10; // positive and never shortened to fewer bytes
  const algorithm = spec.signingKey.asymmetricKeyType === 'ec' ? ECDSA_WITH_SHA256 : SHA256_WITH_RSA;
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name(spec.issuer),
    seq(utcTime(new Date(Date.UTC(2024, 0, 1))), utcTime(new Date(Date.UTC(2049, 11, 31, 23, 59, 59)))),
    name(spec.subject),
    spki,
    extensions(spec.ca),
  );
  const signature = cryptoSign('sha256', tbs, spec.signingKey);
  return pem(seq(tbs, algorithm, bitString(signature)));
}

/** The three certificate files of one app, and the SNs computed from them with the core's functions. */
export interface AppCertificates {
  /** The app's certificate (appCertPublicKey_<appId>.crt). */
  appCert: string;
  /** The Alipay certificate the merchant verifies responses with (alipayCertPublicKey_RSA2.crt). */
  alipayCert: string;
  /** The root bundle (alipayRootCert.crt): two RSA-signed roots and one ECDSA root. */
  alipayRootCert: string;
  /** `app_cert_sn` the app must send. */
  appCertSn: string;
  /** `alipay_cert_sn` the sandbox puts in responses. */
  alipayCertSn: string;
  /** `alipay_root_cert_sn` the app must send (the RSA roots' SNs joined by `_`). */
  alipayRootCertSn: string;
}

const ORG = 'Ant Financial';
const CA_OU = 'Certification Authority';

/** The sandbox certificate authority: an RSA root (also signing the Class 2 CA) and an EC root. */
export interface CertificateAuthority {
  rsaKey: KeyObject;
  ecKey: KeyObject;
  rootRsa: string;
  rootEc: string;
  class2: string;
  class2Name: DistinguishedName;
}

/** Creates the CA from an RSA private key (the EC root gets a fresh key; its SN is never used). */
export function createCertificateAuthority(rsaPrivateKey: string): CertificateAuthority {
  const rsaKey = toPrivateKey(rsaPrivateKey);
  const rsaPublic = toPublicKey(rsaKey);
  const { privateKey: ecKey, publicKey: ecPublic } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rootName: DistinguishedName = {
    C: 'CN',
    O: ORG,
    OU: CA_OU,
    CN: 'Ant Financial Certification Authority R1 (Sandbox)',
  };
  const ecName: DistinguishedName = {
    C: 'CN',
    O: ORG,
    OU: CA_OU,
    CN: 'Ant Financial Certification Authority E1 (Sandbox)',
  };
  const class2Name: DistinguishedName = {
    C: 'CN',
    O: ORG,
    OU: CA_OU,
    CN: 'Ant Financial Certification Authority Class 2 R1 (Sandbox)',
  };
  const rootRsa = issueCertificate({
    subject: rootName,
    issuer: rootName,
    subjectKey: rsaPublic,
    signingKey: rsaKey,
    ca: true,
    serialSeed: 'root-r1',
  });
  const rootEc = issueCertificate({
    subject: ecName,
    issuer: ecName,
    subjectKey: ecPublic,
    signingKey: ecKey,
    ca: true,
    serialSeed: 'root-e1',
  });
  // The Class 2 CA reuses the root's key pair: a second RSA-signed CA for the bundle without paying for
  // another RSA key generation.
  const class2 = issueCertificate({
    subject: class2Name,
    issuer: rootName,
    subjectKey: rsaPublic,
    signingKey: rsaKey,
    ca: true,
    serialSeed: 'class2-r1',
  });
  return { rsaKey, ecKey, rootRsa, rootEc, class2, class2Name };
}

/**
 * The root bundle laid out like an Alipay-issued alipayRootCert.crt: CRLF line ends and a blank line
 * between certificates. Clients split on that blank line (python-alipay-sdk does), so a bundle without it
 * reads as one certificate there and gives a wrong `alipay_root_cert_sn`.
 */
function rootBundle(certs: string[]): string {
  return `${certs.map(c => c.trim().replace(/\r?\n/g, '\r\n')).join('\r\n\r\n')}\r\n`;
}

/** Issues the app certificate and the Alipay certificate of one app, both under the Class 2 CA. */
export function issueAppCertificates(
  ca: CertificateAuthority,
  app: { appId: string; appPublicKey: string; alipayPublicKey: string; merchantName: string },
): AppCertificates {
  const appCert = issueCertificate({
    subject: { C: 'CN', O: app.merchantName, OU: 'Alipay', CN: app.appId },
    issuer: ca.class2Name,
    subjectKey: toPublicKey(app.appPublicKey),
    signingKey: ca.rsaKey,
    ca: false,
    serialSeed: `app:${app.appId}`,
  });
  const alipayCert = issueCertificate({
    subject: {
      C: 'CN',
      O: 'Alipay (Hangzhou) Information Technology Co. Ltd. (Sandbox)',
      OU: 'Alipay',
      CN: `Alipay-${app.appId}`,
    },
    issuer: ca.class2Name,
    subjectKey: toPublicKey(app.alipayPublicKey),
    signingKey: ca.rsaKey,
    ca: false,
    serialSeed: `alipay:${app.appId}`,
  });
  // Alipay ships the chain after the leaf in alipayCertPublicKey_RSA2.crt; clients use the first cert.
  const alipayCertChain = alipayCert + ca.class2;
  const alipayRootCert = rootBundle([ca.rootRsa, ca.rootEc, ca.class2]);
  return {
    appCert,
    alipayCert: alipayCertChain,
    alipayRootCert,
    appCertSn: certSerialNumber(appCert),
    alipayCertSn: certSerialNumber(alipayCertChain),
    alipayRootCertSn: rootCertSerialNumber(alipayRootCert),
  };
}
