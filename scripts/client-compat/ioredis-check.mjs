// A real non-Java client through the proxy: ioredis doing pipelines, transactions (with WATCH),
// pub/sub and blocking pops, each checked against what Redis itself answers.
//   node ioredis-check.mjs PROXY_PORT
import Redis from "ioredis";
import assert from "node:assert/strict";

const port = Number(process.argv[2]);
const options = { port, host: "127.0.0.1", maxRetriesPerRequest: 1, lazyConnect: false };
const redis = new Redis(options);
const other = new Redis(options);
const subscriber = new Redis(options);
const results = [];

async function check(name, body) {
  try {
    await body();
    results.push(`ok   ${name}`);
  } catch (error) {
    results.push(`FAIL ${name}: ${error.message}`);
  }
  console.log(results[results.length - 1]);
}

await check("pipeline keeps order", async () => {
  const replies = await redis.pipeline().set("js:a", "1").incr("js:a").get("js:a").del("js:a").exec();
  assert.deepEqual(replies, [[null, "OK"], [null, 2], [null, "2"], [null, 1]]);
});

await check("transaction is atomic", async () => {
  await redis.set("js:counter", "10");
  const replies = await redis.multi().incr("js:counter").incrby("js:counter", 5).get("js:counter").exec();
  assert.deepEqual(replies, [[null, 11], [null, 16], [null, "16"]]);
});

await check("WATCH conflict makes EXEC answer null", async () => {
  await redis.set("js:watched", "1");
  await redis.watch("js:watched");
  await other.set("js:watched", "2");
  const replies = await redis.multi().set("js:watched", "3").exec();
  assert.equal(replies, null);
  assert.equal(await redis.get("js:watched"), "2");
});

await check("transaction with a bad command aborts", async () => {
  await assert.rejects(redis.multi().set("js:x", "1").call("nosuchcommand").exec(), /EXECABORT/);
  assert.equal(await redis.exists("js:x"), 0);
});

await check("pub/sub delivers messages and patterns", async () => {
  const received = [];
  subscriber.on("message", (channel, message) => received.push(`${channel}=${message}`));
  subscriber.on("pmessage", (pattern, channel, message) => received.push(`${pattern}:${channel}=${message}`));
  await subscriber.subscribe("js:news");
  await subscriber.psubscribe("js:sport.*");
  assert.equal(await redis.publish("js:news", "one"), 1);
  assert.equal(await redis.publish("js:sport.tennis", "two"), 1);
  const deadline = Date.now() + 5000;
  while (received.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(received, ["js:news=one", "js:sport.*:js:sport.tennis=two"]);
  await subscriber.unsubscribe("js:news");
  await subscriber.punsubscribe("js:sport.*");
  assert.equal(await subscriber.set("js:after", "yes"), "OK", "the connection leaves subscribed mode");
});

await check("blocking pop waits for a push without holding others up", async () => {
  await redis.del("js:queue");
  const popped = other.blpop("js:queue", 5);
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (let i = 0; i < 50; i++) {
    await redis.set("js:meanwhile", String(i));
  }
  await redis.rpush("js:queue", "job");
  assert.deepEqual(await popped, ["js:queue", "job"]);
  assert.equal(await redis.blpop("js:empty", 0.2), null);
});

redis.disconnect();
other.disconnect();
subscriber.disconnect();
const failed = results.filter((line) => line.startsWith("FAIL")).length;
console.log(`ioredis through the proxy: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
