import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802 and 7677), computed here the way
 * libpq's PQencryptPasswordConn does, so `ALTER ROLE … PASSWORD` can be sent the verifier and the password
 * itself never reaches the server, its logs or pg_stat_activity. The server recognises the format and stores
 * it as it is. Passwords are ASCII here (the configuration's rule), for which SASLprep changes nothing.
 */

const ALGORITHM = 'SCRAM-SHA-256';
/** libpq's default iteration count (scram_iterations); the server accepts any count in a verifier. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  return { storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64, with a fresh random salt by default. */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(SALT_BYTES), iterations = SCRAM_ITERATIONS): string {
  const { storedKey, serverKey } = keys(password, salt, iterations);
  return `${ALGORITHM}$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** Whether a stored verifier (pg_authid.rolpassword) is one of this password: false for any other format. */
export function scramVerifierMatches(verifier: string | null, password: string): boolean {
  const parts = VERIFIER.exec(verifier ?? '');
  if (!parts) return false;
  const [, iterations, salt, storedKey, serverKey] = parts as unknown as [string, string, string, string, string];
  if (Number(iterations) < 1 || Number(iterations) > 10_000_000) return false;
  const expected = keys(password, Buffer.from(salt, 'base64'), Number(iterations));
  const stored = Buffer.from(storedKey, 'base64');
  const server = Buffer.from(serverKey, 'base64');
  return stored.length === 32 && server.length === 32
    && timingSafeEqual(stored, expected.storedKey) && timingSafeEqual(server, expected.serverKey);
}
