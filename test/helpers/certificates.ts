// A certificate authority of the test's own, made with the openssl command line: the server and
// client certificates it signs are what a secured Temporal cluster and its clients present.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files on disk, and their contents. */
export interface KeyPair {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

export interface TestPki {
  ca: KeyPair;
  /** For localhost and 127.0.0.1. */
  server: KeyPair;
  client: KeyPair;
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function pair(dir: string, name: string): Promise<KeyPair> {
  const [certPath, keyPath] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  return { certPath, keyPath, cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}

/** A certificate for `name` signed by `ca`, with the extensions given (openssl's extension syntax). */
async function signed(dir: string, ca: KeyPair, name: string, extensions: string[]): Promise<KeyPair> {
  const [csr, ext] = [join(dir, `${name}.csr`), join(dir, `${name}.ext`)];
  await writeFile(ext, `${['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', ...extensions].join('\n')}\n`);
  await run('openssl', ['req', ...newKey, '-keyout', join(dir, `${name}.key`), '-out', csr, '-subj', `/CN=bing-test-${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', String(Date.now()),
    '-days', '2', '-extfile', ext, '-out', join(dir, `${name}.crt`)]);
  return pair(dir, name);
}

/** A CA and the server and client certificates it signs, written to `dir`. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await run('openssl', ['req', '-x509', ...newKey, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '2',
    '-subj', '/CN=bing-test-ca', '-addext', 'keyUsage = critical, keyCertSign, cRLSign']);
  const ca = await pair(dir, 'ca');
  const [server, client] = await Promise.all([
    signed(dir, ca, 'server', ['extendedKeyUsage = serverAuth', 'subjectAltName = DNS:localhost, IP:127.0.0.1']),
    signed(dir, ca, 'client', ['extendedKeyUsage = clientAuth']),
  ]);
  return { ca, server, client };
}
