// sslmode against a real TLS endpoint. The local PostgreSQL runs without TLS, so the test puts a
// TLS-terminating front in front of it that speaks PostgreSQL's SSLRequest handshake (answer 'S', then
// TLS with a certificate from a CA made here with openssl, then the decrypted stream to the real
// server) — what a TLS-enabled PostgreSQL or pgbouncer does. The driver's TLS path, certificate and
// host-name verification and client certificates are exercised for real.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../server/store/engine/open.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const SSL_REQUEST = 80877103;

interface Front {
  port: number;
  tlsSessions: number;
  plainSessions: number;
  clientCertSubjects: string[];
  close(): Promise<void>;
}

function makeCerts(dir: string): { ca: string; cert: string; key: string; clientCert: string; clientKey: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    } catch (e) {
      throw new Error(`openssl ${args[0]} failed (${(e as Error).message}); install it with \`apt-get install -y openssl\``);
    }
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Minflow test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server.key'), '-out', f('server.csr'));
  fs.writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('server.ext'), '-out', f('server.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=minflow-client', '-keyout', f('client.key'), '-out', f('client.csr'));
  ssl('x509', '-req', '-in', f('client.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-out', f('client.pem'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

async function startFront(certs: { cert: string; key: string; ca: string }): Promise<Front> {
  const front: Front = { port: 0, tlsSessions: 0, plainSessions: 0, clientCertSubjects: [], close: async () => {} };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('readable', () => {
      const head = socket.read(8) as Buffer | null;
      if (!head) return socket.destroy();
      const upstream = net.connect(5432, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('error', () => socket.destroy());
      if (head.readInt32BE(0) === 8 && head.readInt32BE(4) === SSL_REQUEST) {
        socket.write('S');
        const secure = new tls.TLSSocket(socket, {
          isServer: true,
          cert: fs.readFileSync(certs.cert),
          key: fs.readFileSync(certs.key),
          ca: fs.readFileSync(certs.ca),
          requestCert: true,
          rejectUnauthorized: false,
        });
        secure.on('error', () => upstream.destroy());
        secure.on('secure', () => {
          front.tlsSessions++;
          const peer = secure.getPeerCertificate();
          if (peer && peer.subject) front.clientCertSubjects.push(String(peer.subject.CN));
        });
        secure.pipe(upstream).pipe(secure);
      } else {
        front.plainSessions++;
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.port = (server.address() as net.AddressInfo).port;
  front.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return front;
}

describe('sslmode through a TLS endpoint in front of the real server', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  let front: Front;
  let db: TestDatabase;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-pg-tls-'));
    certs = makeCerts(dir);
    front = await startFront(certs);
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await front?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Opens an engine through the front, runs a statement, and says whether the session was TLS. */
  async function through(host: string, query: string): Promise<'tls' | 'plain'> {
    const tlsBefore = front.tlsSessions;
    const plainBefore = front.plainSessions;
    const { engine } = await openEngine(`postgresql://postgres@${host}:${front.port}/${db.name}?${query}`, { poolSize: 1 });
    try {
      expect(await engine.values('SELECT COUNT(*) FROM experiments')).toEqual([[0]]);
    } finally {
      await engine.close();
    }
    if (front.tlsSessions > tlsBefore && front.plainSessions === plainBefore) return 'tls';
    if (front.plainSessions > plainBefore && front.tlsSessions === tlsBefore) return 'plain';
    throw new Error('mixed sessions');
  }

  it('verify-full with the CA: TLS, host name checked', async () => {
    expect(await through('localhost', `sslmode=verify-full&sslrootcert=${certs.ca}`)).toBe('tls');
    await expect(through('127.0.0.1', `sslmode=verify-full&sslrootcert=${certs.ca}`)).rejects.toThrow(
      /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+ .*sslmode=verify-full.*(IP: 127\.0\.0\.1 is not in the cert's list|does not match)/,
    );
  });

  it('verify-ca checks the chain but not the host name; an unknown CA is refused', async () => {
    expect(await through('127.0.0.1', `sslmode=verify-ca&sslrootcert=${certs.ca}`)).toBe('tls');
    await expect(through('localhost', 'sslmode=verify-ca')).rejects.toThrow(/self[- ]signed certificate|unable to verify|unable to get/i);
  });

  it('require encrypts without verifying (unless given a root certificate); prefer uses TLS when offered', async () => {
    expect(await through('127.0.0.1', 'sslmode=require')).toBe('tls');
    await expect(through('127.0.0.1', `sslmode=require&sslrootcert=${path.join(dir, 'client.pem')}`)).rejects.toThrow(/certificate|verify/i);
    expect(await through('127.0.0.1', 'sslmode=prefer')).toBe('tls');
    expect(await through('127.0.0.1', 'sslmode=disable')).toBe('plain');
  });

  it('sends the client certificate of sslcert/sslkey', async () => {
    front.clientCertSubjects.length = 0;
    await through('localhost', `sslmode=verify-full&sslrootcert=${certs.ca}&sslcert=${certs.clientCert}&sslkey=${certs.clientKey}`);
    expect(front.clientCertSubjects).toContain('minflow-client');
  });

  it('against the server without TLS: prefer falls back to plain, require is refused clearly', async () => {
    const { engine } = await openEngine(`${db.uri}?sslmode=prefer`, { poolSize: 1 });
    // booleans read as 0/1 (as SQLite stores them)
    expect(await engine.values('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).toEqual([[0]]);
    await engine.close();
    await expect(openEngine(`${db.uri}?sslmode=require`)).rejects.toThrow(/cannot connect to PostgreSQL at 127\.0\.0\.1:5432 .*sslmode=require.*does not support SSL/);
  });

  it('an unreachable server is named in the error, without the password', async () => {
    const e = await openEngine('postgresql://postgres:hunter2@127.0.0.1:1/x?connect_timeout=2').catch((err: unknown) => err);
    expect((e as Error).message).toMatch(/cannot connect to PostgreSQL at 127\.0\.0\.1:1 \(database 'x', user 'postgres', sslmode=prefer\): .*ECONNREFUSED/);
    expect((e as Error).message).not.toContain('hunter2');
  });
});
