import { createServer, type Server } from 'node:net';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { OwnRedis } from '../helpers/ownRedis.js';

/** The fault tests' private Redis must be its own, also when its random port is already taken. */
describe('OwnRedis (test helper)', function () {
  this.timeout(30_000);
  let squatter: Server | undefined;
  after(async () => {
    await new Promise((resolve) => (squatter ? squatter.close(resolve) : resolve(undefined)));
  });

  it('moves to another port when the first one is held by another process', async () => {
    // Another process on the port: it accepts connections and closes them, as a foreign service would.
    squatter = createServer((socket) => socket.destroy());
    const port = await new Promise<number>((resolve) => squatter?.listen(0, '127.0.0.1', () => resolve((squatter?.address() as { port: number }).port)));
    const taken = new OwnRedis(port);
    try {
      await taken.start();
      expect(taken.port).not.to.equal(port);
      const client = new Redis(taken.url);
      try {
        expect(await client.ping()).to.equal('PONG');
      } finally {
        client.disconnect();
      }
    } finally {
      await taken.stop();
    }
  });
});
