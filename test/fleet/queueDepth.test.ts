import { expect } from 'chai';
import amqp, { type ChannelModel } from 'amqplib';
import { TEST_RABBITMQ_URL, uniqueName } from '../helpers/isolation.js';
import { declareTopology, deleteTopology } from '../../src/shared/amqp/topology.js';
import { readQueueDepth } from '../../src/shared/amqp/queueDepth.js';
import { fleetNames } from '../../src/shared/names.js';

/** The one reading of the data plane's depth, against a real broker in a namespace of its own. */
describe('queue depth', function () {
  this.timeout(30_000);
  const names = fleetNames(uniqueName('tm_depth'));
  let connection: ChannelModel;

  before(async () => {
    connection = await amqp.connect(TEST_RABBITMQ_URL);
    const channel = await connection.createChannel();
    await declareTopology(channel, names);
    for (const [queue, count] of [[names.workQueue, 3], [names.retryQueue(1), 1], [names.retryQueue(2), 2], [names.deadQueue, 1]] as const) {
      for (let i = 0; i < count; i++) channel.sendToQueue(queue, Buffer.from('{}'));
    }
    await channel.close();
  });
  after(async () => {
    const channel = await connection.createChannel();
    await deleteTopology(channel, names);
    await connection.close();
  });

  it('counts ready, retrying (every retry queue) and dead-lettered messages, and takes in-hand from the consumers', async () => {
    const channel = await connection.createChannel();
    let depth = await readQueueDepth(channel, names, 4);
    for (let i = 0; i < 20 && depth.ready + depth.retrying + depth.deadLetter < 7; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      depth = await readQueueDepth(channel, names, 4);
    }
    expect(depth).to.deep.equal({ ready: 3, unacked: 4, retrying: 3, deadLetter: 1, brokerConsumers: 0 });
    await channel.close();
  });
});
