import { createHash, X509Certificate } from 'node:crypto';

/**
 * Public-key certificate mode (公钥证书模式): serial numbers Alipay expects in `app_cert_sn` and
 * `alipay_root_cert_sn`, and the public key to verify with. node:crypto's X509Certificate is enough.
 */

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into its certificates, in order. */
export function splitCertificates(pemBundle: string): X509Certificate[] {
  const blocks = pemBundle.match(PEM_CERT) ?? [];
  return blocks.map(block => new X509Certificate(block));
}

/**
 * The issuer DN as Alipay writes it: RDNs in reverse of OpenSSL's multi-line order (`CN=…,OU=…,O=…,C=CN`),
 * joined with commas, no spaces.
 */
function alipayIssuer(cert: X509Certificate): string {
  return cert.issuer
    .split('\n')
    .filter(line => line.length > 0)
    .reverse()
    .join(',');
}

function serialDecimal(cert: X509Certificate): string {
  return BigInt(`0x${cert.serialNumber}`).toString(10);
}

function snOf(cert: X509Certificate): string {
  return createHash('md5')
    .update(alipayIssuer(cert) + serialDecimal(cert), 'utf8')
    .digest('hex');
}

/** `md5(issuerDN + decimal serial)` of the first certificate in `certPem` (the `app_cert_sn`). */
export function certSerialNumber(certPem: string): string {
  const [cert] = splitCertificates(certPem);
  if (!cert) throw new TypeError('no PEM certificate found');
  return snOf(cert);
}

/** The signature algorithm OID of a certificate, read from its DER (no ASN.1 library needed). */
function signatureAlgorithmOid(cert: X509Certificate): string | undefined {
  const der = cert.raw;
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }.
  // Walk: outer SEQUENCE → skip tbsCertificate → AlgorithmIdentifier SEQUENCE → OID.
  let offset = 0;
  const readHeader = (): { tag: number; length: number; start: number } => {
    const tag = der[offset++]!;
    let length = der[offset++]!;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[offset++]!;
    }
    return { tag, length, start: offset };
  };
  try {
    readHeader(); // Certificate
    const tbs = readHeader();
    offset = tbs.start + tbs.length;
    readHeader(); // AlgorithmIdentifier
    const oid = readHeader();
    if (oid.tag !== 0x06) return undefined;
    const bytes = der.subarray(oid.start, oid.start + oid.length);
    const parts: number[] = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
    let value = 0;
    for (let i = 1; i < bytes.length; i++) {
      value = value * 128 + (bytes[i]! & 0x7f);
      if (!(bytes[i]! & 0x80)) {
        parts.push(value);
        value = 0;
      }
    }
    return parts.join('.');
  } catch {
    return undefined;
  }
}

/**
 * `alipay_root_cert_sn`: the serial numbers of the root bundle's RSA-signed certificates
 * (signature OID `1.2.840.113549.1.1.*`) joined by `_`; SM2 and ECC roots are skipped, as Alipay does.
 */
export function rootCertSerialNumber(rootCertChainPem: string): string {
  return splitCertificates(rootCertChainPem)
    .filter(cert => signatureAlgorithmOid(cert)?.startsWith('1.2.840.113549.1.1.'))
    .map(snOf)
    .join('_');
}

/** The public key (SPKI PEM) of the first certificate in `certPem`, e.g. `alipayCertPublicKey_RSA2.crt`. */
export function publicKeyFromCert(certPem: string): string {
  const [cert] = splitCertificates(certPem);
  if (!cert) throw new TypeError('no PEM certificate found');
  return cert.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
