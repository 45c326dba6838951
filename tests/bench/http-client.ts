/**
 * The bench's HTTP clients, on a worker thread: reading answers (a territory-wide
 * search is over a megabyte of JSON) must not run on the server's event loop and
 * count as the server's time. Keep-alive connections on loopback only.
 */
import { Worker } from 'node:worker_threads';

export interface ClientRun {
  /** Milliseconds of each call, in the order of `paths` (only meaningful with one client). */
  latencies: number[];
  /** Wall-clock milliseconds of the whole run. */
  elapsed: number;
  /** Length of each answer's `data` array when it has one, else -1. */
  sizes: number[];
  /** Créneaux each answer counted in all (`meta.creneaux_by_lieu`), when it lists only some, else its size. */
  found: number[];
}

// Plain JavaScript: the worker is evaluated as is, without the TypeScript loader.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { port, token, paths, clients, headers } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const get = (path) => new Promise((resolve, reject) => {
  const request = http.request({ host: '127.0.0.1', port, path, agent, headers: token ? { authorization: 'Bearer ' + token, ...headers } : headers }, (response) => {
    const chunks = [];
    response.on('data', (chunk) => chunks.push(chunk));
    response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
  });
  request.on('error', reject);
  request.end();
});
(async () => {
  const latencies = new Array(paths.length);
  const sizes = new Array(paths.length);
  const found = new Array(paths.length);
  let next = 0;
  const client = async () => {
    for (let index = next++; index < paths.length; index = next++) {
      const started = performance.now();
      const answer = await get(paths[index]);
      latencies[index] = performance.now() - started;
      if (answer.status !== 200) throw new Error(paths[index] + ' answered ' + answer.status + ': ' + answer.body.slice(0, 300));
      const { data, meta } = JSON.parse(answer.body);
      sizes[index] = Array.isArray(data) ? data.length : -1;
      const byLieu = meta && meta.creneaux_by_lieu;
      found[index] = byLieu ? Object.values(byLieu).reduce((sum, count) => sum + count, 0) : sizes[index];
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  parentPort.postMessage({ latencies, sizes, found, elapsed: performance.now() - started });
  agent.destroy();
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

/** Calls every path (GET, with the bearer token, or none and the headers given) from `clients` concurrent clients on a worker thread. */
export function runClients(port: number, token: string | null, paths: string[], clients = 1, headers: Record<string, string> = {}): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { port, token, paths, clients, headers } });
    worker.once('message', (message: ClientRun & { error?: string }) => {
      void worker.terminate();
      if (message.error) reject(new Error(message.error));
      else resolve(message);
    });
    worker.once('error', reject);
  });
}
