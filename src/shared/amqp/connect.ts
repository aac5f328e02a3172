import amqp, { type ChannelModel } from 'amqplib';
import { connecting } from '../services.js';
import { asBrokerRefusal } from './brokerRefusal.js';

/**
 * Open a RabbitMQ connection with a heartbeat (a stopped broker is noticed in seconds, not at the next
 * write) and a connection name that shows in `rabbitmqctl list_connections`. A refused login or vhost is a
 * BrokerRefusedError (exit 76): trying again cannot fix it.
 */
export async function connectAmqp(url: string, connectionName: string): Promise<ChannelModel> {
  const connection = await connecting('RabbitMQ', url, () =>
    amqp.connect(withHeartbeat(url), { clientProperties: { connection_name: connectionName }, timeout: 10_000 }),
  ).catch((err: unknown) => {
    throw asBrokerRefusal(err, url);
  });
  // Without a listener an 'error' event would crash the process; the 'close' that follows is what callers act on.
  connection.on('error', () => undefined);
  return connection;
}

function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '10');
  return u.toString();
}
