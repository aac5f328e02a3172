import { expect } from 'chai';
import { isLocalServer } from '../../src/schema/diskCheck.js';

/** Whether the pre-flight may look at the server's data directory on this machine's disks. */
describe('isLocalServer (the server-disk check)', () => {
  it('loopback hosts and unix sockets are this machine', () => {
    for (const url of [
      'postgres://postgres@localhost:5432/library',
      'postgres://postgres@127.0.0.1/library',
      'postgres://postgres@[::1]:5432/library',
      'postgres:///library',
      'postgres://%2Fvar%2Frun%2Fpostgresql/library',
      'postgres://postgres@db.internal/library?host=/var/run/postgresql',
    ]) expect(isLocalServer(url), url).to.equal(true);
  });

  it('any other host is not, even behind a loopback URL host overridden by ?host=', () => {
    for (const url of [
      'postgres://postgres@db.internal:5432/library',
      'postgres://postgres@10.0.0.5/library',
      'postgres://postgres@localhost/library?host=db.internal',
    ]) expect(isLocalServer(url), url).to.equal(false);
  });
});
