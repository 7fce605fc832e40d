// ioredis' Cluster client through the proxy in front of a Redis Cluster (run by ClusterClientsIT).
// It reads the proxy's CLUSTER SLOTS, must see one node owning every slot, and sends everything there.
// Prints "ok" and exits 0 when every check holds; otherwise prints what failed and exits 1.
import { Cluster } from 'ioredis';

const port = Number(process.argv[2]);
const cluster = new Cluster([{ host: '127.0.0.1', port }], { redisOptions: { maxRetriesPerRequest: 2 } });

function check(condition, what) {
  if (!condition) {
    throw new Error(what);
  }
}

async function main() {
  for (let i = 0; i < 100; i++) {
    await cluster.set(`ioredis:${i}`, `v${i}`);
  }
  for (let i = 0; i < 100; i++) {
    check((await cluster.get(`ioredis:${i}`)) === `v${i}`, `ioredis:${i} read back`);
  }
  const masters = cluster.nodes('master');
  check(masters.length === 1 && masters[0].options.port === port, `one node, the proxy: ${masters.map((n) => n.options.port)}`);

  const piped = await cluster.pipeline().set('{io}a', '1').set('{io}b', '2').mget('{io}a', '{io}b').exec();
  check(JSON.stringify(piped[2][1]) === '["1","2"]', `a pipeline in one slot: ${JSON.stringify(piped)}`);
  const transaction = await cluster.multi().incr('{io}n').incr('{io}n').exec();
  check(transaction[1][1] === 2, `a transaction: ${JSON.stringify(transaction)}`);

  const subscriber = cluster.duplicate();
  const received = new Promise((resolve) => subscriber.on('message', (channel, message) => resolve(message)));
  await subscriber.subscribe('ioredis-news');
  await cluster.publish('ioredis-news', 'hello');
  const message = await Promise.race([received, new Promise((resolve) => setTimeout(() => resolve('(none)'), 5000))]);
  check(message === 'hello', `a published message: ${message}`);
  subscriber.disconnect();
}

main()
  .then(() => {
    console.log('ok');
    cluster.disconnect();
    process.exit(0);
  })
  .catch((error) => {
    console.log(`failed: ${error.stack}`);
    process.exit(1);
  });
