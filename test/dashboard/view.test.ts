import { expect } from 'chai';
import { fleetIdentity } from '../../src/dashboard/identity.js';
import { consumersOf } from '../../src/dashboard/view.js';
import type { ConsumerView } from '../../src/operations/status/fleetSampler.js';
import { TOOL_VERSION } from '../../src/shared/version.js';

const consumer = (consumerId: string, alive: boolean, currentRanges: string[]): ConsumerView =>
  ({ consumerId, host: 'h', pid: 1, alive, rangesDone: 3, currentRanges, startedAt: '2026-01-01T00:00:00.000Z', lastSeen: null });

describe('the dashboard view', () => {
  it('a lost consumer shows no range in hand (its heartbeat\'s last list is stale), and comes after the alive ones', () => {
    const shown = consumersOf([consumer('lost', false, ['7:12']), consumer('alive', true, ['7:13'])]);
    expect(shown.map((c) => [c.consumerId, c.currentRanges])).to.deep.equal([['alive', ['7:13']], ['lost', []]]);
  });

  it('the header identity names namespace, database server and name, and version — never the user or password', () => {
    const identity = fleetIdentity('blue', 'postgres://migrator:s3cr%40t@db.internal:6432/tracktion?sslmode=require&password=x');
    expect(identity).to.deep.equal({ namespace: 'blue', databaseHost: 'db.internal:6432', databaseName: 'tracktion', version: TOOL_VERSION });
    expect(JSON.stringify(identity)).not.to.match(/migrator|s3cr|password/);
    expect(TOOL_VERSION).to.match(/^\d+\.\d+\.\d+/);
  });
});
