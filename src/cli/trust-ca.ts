// What the start banner says when TLS is on with the local CA: where the CA is and how each kind of
// client comes to trust it, as mkcert says it. Clients that are told nothing refuse the certificate.

/** The banner's lines about the local CA at `caPath` (absolute). */
export function trustCaLines(caPath: string, platform: NodeJS.Platform = process.platform): string[] {
  return [
    '',
    `HTTPS: the certificate is signed by a local CA made once and kept in DATA_DIR: ${caPath}`,
    'Trust that CA once in each client (or this machine):',
    `    Node.js         NODE_EXTRA_CA_CERTS=${caPath}`,
    `    Python SDK      REQUESTS_CA_BUNDLE=${caPath} GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=${caPath}`,
    `    Python (ssl)    SSL_CERT_FILE=${caPath}`,
    `    Go SDK          SSL_CERT_FILE=${caPath}`,
    `    curl            curl --cacert ${caPath} …`,
    `    this machine    ${systemStoreCommand(caPath, platform)}`,
  ];
}

function systemStoreCommand(caPath: string, platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${caPath}`;
    case 'win32':
      return `certutil -user -addstore Root ${caPath}`;
    default:
      return `sudo cp ${caPath} /usr/local/share/ca-certificates/scalekit-emulator.crt && sudo update-ca-certificates (Debian, Ubuntu)`;
  }
}
