// Reproduces a stall seen in bench:engine's fan-out: RUNS route runs in one session, then 1,000
// Socket.IO clients subscribe to it at once, printing connects, acks and the database operations
// issued each second, then whether the database still answers. Until 2026-12-01 each subscribe
// summed the session's costs (a scan of session_costs): with 200 runs stored, about 100 of the
// 1,000 were answered and then no database operation completed (FerretDB 1.24, patched or not);
// the subscribe now checks ownership by _id alone and all 1,000 are answered in about 3 s. The
// stall itself (many concurrent scans and a write on the embedded FerretDB) is not understood yet.
// Usage: npx nest build && RUNS=200 node bench/repro-subscribe-storm.mjs (FDB=<binary> for another FerretDB build).
import { io } from 'socket.io-client';
import { getConnectionToken } from '@nestjs/mongoose';
import { MongoClient } from 'mongodb';
import { BENCH_ADMIN_KEY, startBenchServer } from './support.mjs';
const { app, base, api } = await startBenchServer('storm', process.env.FDB ? { FERRETDB_BIN: process.env.FDB } : {});
const sessionId = (await api('/api/sessions', { title: 'p' })).id;
for (let i = 0; i < Number(process.env.RUNS ?? 60); i++) await api('/api/orchestrate?wait=true', { sessionId, prompt: `Explain ${i}`, strategy: 'route' });
let connected = 0, acked = 0, errors = 0;
const ops = new Map();
app.get(getConnectionToken()).set('debug', (coll, method) => { const k = `${coll}.${method}`; ops.set(k, (ops.get(k) ?? 0) + 1); });
const t0 = Date.now();
const sockets = [];
for (let i = 0; i < 1000; i++) {
  const s = io(`${base}/orchestration`, { auth: { token: BENCH_ADMIN_KEY }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(s);
  s.once('connect', () => { connected++; s.emitWithAck('subscribe', { sessionId }).then(() => acked++, () => errors++); });
  s.once('connect_error', (e) => { errors++; if (errors < 3) console.log('connect_error', e.message); });
}
for (let k = 0; k < 8; k++) { await new Promise((r) => setTimeout(r, 1000)); console.log(`${Date.now() - t0} ms: connected ${connected} acked ${acked} errors ${errors}`, JSON.stringify([...ops])); if (acked + errors >= 1000) break; }
const t1 = Date.now();
const probe = await Promise.race([fetch(`${base}/api/sessions/${sessionId}`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } }).then((r) => r.status), new Promise((r) => setTimeout(() => r('timeout'), 8000))]);
console.log('GET session:', probe, Date.now() - t1, 'ms');
const probe2 = await Promise.race([fetch(`${base}/health/live`).then((r) => r.status), new Promise((r) => setTimeout(() => r('timeout'), 8000))]);
console.log('health/live:', probe2);
const probe3 = await Promise.race([fetch(`${base}/api/orchestrate/strategies`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } }).then((r) => r.status), new Promise((r) => setTimeout(() => r('timeout'), 8000))]);
console.log('strategies (no db):', probe3);
const conn = app.get(getConnectionToken());
const host = conn.getClient().options.hosts[0];
console.log('pool', JSON.stringify(conn.getClient().options.maxPoolSize), host.host, host.port);
const other = new MongoClient(`mongodb://${host.host}:${host.port}/`, { serverSelectionTimeoutMS: 5000 });
const t2 = Date.now();
try {
  await other.connect();
  console.log('ping', JSON.stringify(await other.db(conn.name).command({ ping: 1 })), Date.now() - t2);
  console.log('costs', (await other.db(conn.name).collection('session_costs').find({ sessionId }).toArray()).length, Date.now() - t2);
  console.log('ops', JSON.stringify(await other.db('admin').command({ currentOp: 1 }).catch((e) => e.message)).slice(0, 500));
} catch (e) { console.log('other client', e.message); }
process.exit(0);
