/**
 * The bench's HTTP clients, on a worker thread: reading answers (a territory-wide
 * search is over a megabyte of JSON) must not run on the event loop of a server the
 * bench runs in its own process. Keep-alive connections on loopback only.
 */
import { Worker } from 'node:worker_threads';

/** One call of a run: GET unless said, a JSON body, the answer's status it must have. */
export interface BenchRequest {
  path: string;
  method?: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses counted as success (200 by default); any other fails the run. */
  expect?: number[];
}

export interface ClientRun {
  /** Milliseconds of each call, in the order of the requests, as its client waited for it. */
  latencies: number[];
  /** Each call's status. */
  statuses: number[];
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
const { port, requests, clients } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const call = ({ method = 'GET', path, token, body, headers = {} }) => new Promise((resolve, reject) => {
  const sent = body === undefined ? undefined : JSON.stringify(body);
  const all = { ...headers };
  if (token) all.authorization = 'Bearer ' + token;
  if (sent !== undefined) all['content-type'] = 'application/json';
  const request = http.request({ host: '127.0.0.1', port, path, method, agent, headers: all }, (response) => {
    const chunks = [];
    response.on('data', (chunk) => chunks.push(chunk));
    response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
  });
  request.on('error', reject);
  request.end(sent);
});
(async () => {
  const n = requests.length;
  const latencies = new Array(n), statuses = new Array(n), sizes = new Array(n), found = new Array(n);
  let next = 0;
  const client = async () => {
    for (let index = next++; index < n; index = next++) {
      const request = requests[index];
      const started = performance.now();
      const answer = await call(request);
      latencies[index] = performance.now() - started;
      statuses[index] = answer.status;
      if (!(request.expect || [200]).includes(answer.status)) {
        throw new Error((request.method || 'GET') + ' ' + request.path + ' answered ' + answer.status + ': ' + answer.body.slice(0, 300));
      }
      const parsed = answer.body ? JSON.parse(answer.body) : {};
      sizes[index] = Array.isArray(parsed.data) ? parsed.data.length : -1;
      const byLieu = parsed.meta && parsed.meta.creneaux_by_lieu;
      found[index] = byLieu ? Object.values(byLieu).reduce((sum, count) => sum + count, 0) : sizes[index];
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  parentPort.postMessage({ latencies, statuses, sizes, found, elapsed: performance.now() - started });
  agent.destroy();
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

/** Runs every request, in order, from `clients` concurrent clients on a worker thread. */
export function runRequests(port: number, requests: BenchRequest[], clients = 1): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { port, requests, clients } });
    worker.once('message', (message: ClientRun & { error?: string }) => {
      void worker.terminate();
      if (message.error) reject(new Error(message.error));
      else resolve(message);
    });
    worker.once('error', reject);
  });
}

/** GETs every path, with the bearer token (or none, and the headers given), from `clients` concurrent clients. */
export function runClients(port: number, token: string | null, paths: string[], clients = 1, headers: Record<string, string> = {}): Promise<ClientRun> {
  return runRequests(port, paths.map((path) => ({ path, token, headers })), clients);
}
