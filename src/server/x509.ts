// Making the local CA's certificate and the server certificates it signs. node:crypto reads X.509 but
// cannot write it, so this uses pkijs (on Web Crypto); it is imported only when a certificate must be
// made, never by a start that has them already or runs without TLS.
//
// ECDSA P-256 keys; the extensions are the ones strict verifiers require (Python 3.13's
// VERIFY_X509_STRICT, Go's crypto/x509): a critical basicConstraints and keyUsage, subject and
// authority key identifiers, serverAuth, and the names in subjectAltName only.
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const HASH = 'SHA-256';
// Passed to each call instead of pkijs.setEngine, which would set it for the whole process.
const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto });

const OID = {
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

export interface IssuedCertificate {
  /** PEM certificate. */
  cert: string;
  /** PEM (PKCS #8) private key of the certificate. */
  key: string;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** A self-signed CA certificate that may sign server certificates (and no other CA). */
export async function createCertificateAuthority(commonName: string, validity: Validity): Promise<IssuedCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']));
  const name = distinguishedName(commonName);
  const cert = await certificate({ subject: name, issuer: name, validity, publicKey: keys.publicKey });
  cert.extensions = [
    extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true, pathLenConstraint: 0 }).toSchema()),
    extension(OID.keyUsage, true, keyUsage(0x06, 1)), // keyCertSign, cRLSign
    extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: await cert.getKeyHash('SHA-1', engine) })),
  ];
  await cert.sign(keys.privateKey, HASH, engine);
  return signed(cert, keys.privateKey);
}

/** A server certificate for `names` (host names and IP addresses), signed by the CA given in PEM. */
export async function issueServerCertificate(ca: IssuedCertificate, names: string[], validity: Validity): Promise<IssuedCertificate> {
  const caCert = pkijs.Certificate.fromBER(new X509Certificate(ca.cert).raw);
  const caKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(ca.key).export({ format: 'der', type: 'pkcs8' }), ALGORITHM, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']));
  const cert = await certificate({ subject: distinguishedName(names[0]!), issuer: caCert.subject, validity, publicKey: keys.publicKey });
  const altNames = new pkijs.GeneralNames({
    names: names.map((n) =>
      isIP(n) === 0 ? new pkijs.GeneralName({ type: 2, value: n }) : new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: ipBytes(n) }) }),
    ),
  });
  cert.extensions = [
    extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    extension(OID.keyUsage, true, keyUsage(0x80, 7)), // digitalSignature
    extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [OID.serverAuth] }).toSchema()),
    extension(OID.subjectAltName, false, altNames.toSchema()),
    extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: await cert.getKeyHash('SHA-1', engine) })),
    extension(
      OID.authorityKeyIdentifier,
      false,
      new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: await caCert.getKeyHash('SHA-1', engine) }) }).toSchema(),
    ),
  ];
  await cert.sign(caKey, HASH, engine);
  return signed(cert, keys.privateKey);
}

async function certificate(fields: { subject: pkijs.RelativeDistinguishedNames; issuer: pkijs.RelativeDistinguishedNames; validity: Validity; publicKey: webcrypto.CryptoKey }) {
  const cert = new pkijs.Certificate({
    version: 2, // v3
    serialNumber: new asn1js.Integer({ valueHex: serialNumber() }),
    issuer: fields.issuer,
    subject: fields.subject,
    notBefore: time(fields.validity.notBefore),
    notAfter: time(fields.validity.notAfter),
  });
  await cert.subjectPublicKeyInfo.importKey(fields.publicKey, engine);
  return cert;
}

// A common name only: pkijs writes every attribute of a name into one RDN, which shows as "O=… + CN=…".
function distinguishedName(commonName: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [new pkijs.AttributeTypeAndValue({ type: OID.commonName, value: new asn1js.Utf8String({ value: commonName }) })],
  });
}

function extension(extnID: string, critical: boolean, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/** keyUsage bits, first bit first, with the count of unused trailing bits (DER wants it exact). */
function keyUsage(bits: number, unusedBits: number): asn1js.BitString {
  return new asn1js.BitString({ valueHex: Uint8Array.of(bits), unusedBits });
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after.
function time(value: Date): pkijs.Time {
  return new pkijs.Time({ type: value.getUTCFullYear() < 2050 ? 0 : 1, value });
}

/** 16 random bytes, positive and minimally encoded (first byte 0x40–0x7f), as RFC 5280 and Go ask. */
function serialNumber(): Uint8Array {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes;
}

function ipBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  // IPv6: a dotted IPv4 tail becomes two groups, then '::' is expanded to the missing zero groups.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    const value = parseInt(g, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The certificate and its private key in PEM, as node:tls and every client read them. */
async function signed(cert: pkijs.Certificate, privateKey: webcrypto.CryptoKey): Promise<IssuedCertificate> {
  const key = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
  return {
    cert: new X509Certificate(Buffer.from(cert.toSchema(true).toBER(false))).toString(),
    key: createPrivateKey({ key, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}
