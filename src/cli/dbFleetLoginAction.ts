import { getConfig } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { giveFleetLogin } from '../schema/fleetLogin.js';
import { printJson, printMessage } from './output.js';
import { printable } from './safeText.js';
import { timed, withDb } from './dbSession.js';

/**
 * `db fleet-login`: the fleet's role gets LOGIN and the password of FLEET_DATABASE_PASSWORD (or the file of
 * FLEET_DATABASE_PASSWORD_FILE). Idempotent; the password is never printed.
 */
export async function fleetLoginAction(options: { role: string; json?: boolean }): Promise<void> {
  // Before connecting: a missing password is a configuration problem, whatever the database.
  const password = getConfig().FLEET_DATABASE_PASSWORD;
  if (password === undefined) {
    throw new ConfigError('FLEET_DATABASE_PASSWORD is not set: set it (or FLEET_DATABASE_PASSWORD_FILE) to the password the fleet will log in with');
  }
  await withDb(async (db) => {
    const result = await timed(db.logger, 'fleet login', () => giveFleetLogin(db.pool, options.role, password));
    if (options.json) {
      printJson(result);
      return;
    }
    const role = printable(result.role);
    if (!result.passwordChanged) printMessage(`role ${role} can log in with FLEET_DATABASE_PASSWORD already: nothing to do`);
    else printMessage(`role ${role} ${result.hadLogin ? 'can log in' : 'can now log in'} with FLEET_DATABASE_PASSWORD (password ${result.hadLogin ? 'replaced' : 'set'}, stored as a SCRAM-SHA-256 verifier)`);
  });
}
