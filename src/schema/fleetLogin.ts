import pg from 'pg';
import { TracktionError } from '../shared/errors.js';
import { scramSha256Verifier, scramVerifierMatches } from './scramVerifier.js';

/**
 * The fleet's login: the role `tracktion_backfill` (created NOLOGIN by BackfillRole1732500004000, with only the
 * grants producers, consumers and the dashboard need), or a role that is a member of it, gets LOGIN and a
 * password. Run by the schema owner; the password is sent as a SCRAM verifier, never as text.
 */

/** The fleet role the migrations create and grant to. */
export const FLEET_ROLE = 'tracktion_backfill';

export interface FleetLoginResult {
  role: string;
  /** The role could log in before. */
  hadLogin: boolean;
  /** The stored password was replaced (false when it already was this one, which only a superuser can read). */
  passwordChanged: boolean;
}

interface RoleRow {
  rolcanlogin: boolean;
  more_than_fleet: boolean;
  in_fleet: boolean;
  owner_is_superuser: boolean;
}

/** Powers a login of the fleet must not have: with any of them it could do more than the fleet role. */
const ROLE_SQL = `
  SELECT r.rolcanlogin,
         r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls AS more_than_fleet,
         pg_has_role(r.oid, $2::text, 'MEMBER') AS in_fleet,
         (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS owner_is_superuser
    FROM pg_roles r WHERE r.rolname = $1`;

/** Give `role` LOGIN and `password`; changes nothing when it already has both. */
export async function giveFleetLogin(pool: pg.Pool, role: string, password: string): Promise<FleetLoginResult> {
  const fleet = await pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [FLEET_ROLE]);
  if (fleet.rowCount === 0) {
    throw new TracktionError('refused', `role ${FLEET_ROLE} does not exist: run db migrate first (revision BackfillRole1732500004000 creates it)`);
  }
  const { rows } = await pool.query<RoleRow>(ROLE_SQL, [role, FLEET_ROLE]);
  const found = rows[0];
  if (!found) throw new TracktionError('refused', `role ${role} does not exist: create it (CREATE ROLE … IN ROLE ${FLEET_ROLE}) or use ${FLEET_ROLE}`);
  if (found.more_than_fleet) throw new TracktionError('refused', `role ${role} is a superuser or may create roles or databases, replicate or bypass row security: not a login for the fleet`);
  if (!found.in_fleet) throw new TracktionError('refused', `role ${role} is not ${FLEET_ROLE} nor a member of it: its grants are not the fleet's`);
  // Only a superuser reads stored passwords: then a second run with the same password changes nothing.
  const samePassword = found.owner_is_superuser && scramVerifierMatches(await storedVerifier(pool, role), password);
  if (found.rolcanlogin && samePassword) return { role, hadLogin: true, passwordChanged: false };
  // ALTER ROLE takes no bind parameters: the verifier (not the password) is quoted as a literal.
  const passwordClause = samePassword ? '' : ` PASSWORD ${pg.escapeLiteral(scramSha256Verifier(password))}`;
  await pool.query(`ALTER ROLE ${pg.escapeIdentifier(role)} LOGIN${passwordClause}`);
  return { role, hadLogin: found.rolcanlogin, passwordChanged: !samePassword };
}

async function storedVerifier(pool: pg.Pool, role: string): Promise<string | null> {
  const { rows } = await pool.query<{ rolpassword: string | null }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
  return rows[0]?.rolpassword ?? null;
}
