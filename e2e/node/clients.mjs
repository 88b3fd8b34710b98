// Node.js Redis clients against the proxy, run by RespNodeIT: node clients.mjs HOST PORT.
// Redis holds node:k = "v", node:bin = a CR LF NUL 0xFF z, node:<i> = "v:<i>" for even i < 1000.
// Each client, in each protocol it speaks, reads hits, misses, MGET, binary values, a 1,000-command
// pipeline, and has a write refused. Prints one "ok ..." line per client; exits 1 on the first failure.
import assert from 'node:assert/strict';
import { createClient, RESP_TYPES } from 'redis';
import Redis from 'ioredis';

const [host, port] = process.argv.slice(2);
const BIN = Buffer.from([0x61, 0x0d, 0x0a, 0x00, 0xff, 0x7a]);
const PIPELINE = 1000;

function expected(i) {
  return i % 2 === 0 ? `v:${i}` : null;
}

// HELLO without a version reports the connection's protocol: a map in RESP3, pairs in RESP2.
function proto(hello) {
  if (hello instanceof Map) return Number(hello.get('proto'));
  if (Array.isArray(hello)) return Number(hello[hello.indexOf('proto') + 1]);
  return Number(hello.proto);
}

async function nodeRedis(resp) {
  const client = createClient({ socket: { host, port: Number(port), reconnectStrategy: false }, RESP: resp });
  client.on('error', () => {});
  await client.connect();
  try {
    assert.equal(proto(await client.sendCommand(['HELLO'])), resp);
    assert.equal(await client.get('node:k'), 'v');
    assert.equal(await client.get('node:k'), 'v');
    assert.equal(await client.get('node:missing'), null);
    assert.deepEqual(await client.mGet(['node:k', 'node:missing', 'node:0', 'node:1']), ['v', null, 'v:0', null]);
    const binary = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    assert.deepEqual(await binary.get('node:bin'), BIN);
    // Commands sent in one tick go out as one pipeline.
    const gets = [];
    for (let i = 0; i < PIPELINE; i++) gets.push(client.get(`node:${i}`));
    const values = await Promise.all(gets);
    values.forEach((v, i) => assert.equal(v, expected(i), `GET node:${i}`));
    await assert.rejects(client.set('node:k', 'changed'), /read-only/);
    assert.equal(await client.get('node:k'), 'v');
  } finally {
    client.destroy();
  }
  console.log(`ok node-redis RESP${resp}`);
}

async function ioredis(protocol) {
  const client = new Redis({ host, port: Number(port), protocol, lazyConnect: true,
    maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {});
  await client.connect();
  try {
    assert.equal(proto(await client.call('HELLO')), protocol);
    assert.equal(await client.get('node:k'), 'v');
    assert.equal(await client.get('node:k'), 'v');
    assert.equal(await client.get('node:missing'), null);
    assert.deepEqual(await client.mget('node:k', 'node:missing', 'node:0', 'node:1'), ['v', null, 'v:0', null]);
    assert.deepEqual(await client.getBuffer('node:bin'), BIN);
    const pipeline = client.pipeline();
    for (let i = 0; i < PIPELINE; i++) pipeline.get(`node:${i}`);
    const results = await pipeline.exec();
    results.forEach(([err, v], i) => {
      assert.equal(err, null);
      assert.equal(v, expected(i), `GET node:${i}`);
    });
    await assert.rejects(client.set('node:k', 'changed'), /read-only/);
    assert.equal(await client.get('node:k'), 'v');
  } finally {
    client.disconnect();
  }
  console.log(`ok ioredis RESP${protocol}`);
}

try {
  await nodeRedis(3);
  await nodeRedis(2);
  await ioredis(3);
  await ioredis(2);
} catch (e) {
  console.error(e);
  process.exit(1);
}
