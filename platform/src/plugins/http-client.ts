import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { AppError } from '../errors';
import type { HttpRequestOptions, HttpResponse, PluginHttpClient } from './sdk';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Addresses a request from the platform must not reach (SSRF): loopback, private, link-local,
 * multicast, reserved. BlockList checks IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) against
 * the IPv4 rules.
 */
const PRIVATE_RANGES = (() => {
  const list = new net.BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
    ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3],
  ] as const) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of [
    ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
  ] as const) list.addSubnet(network, prefix, 'ipv6');
  return list;
})();

export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  return PRIVATE_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface HttpClientSettings {
  /** The instance setting ALLOW_PRIVATE_WEBHOOK_TARGETS (tests, development). */
  allowPrivateTargets: boolean;
  /** No request waits longer, whatever the plugin asks. */
  maxTimeoutMs: number;
}

function parseTarget(url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw AppError.invalid('is not a valid URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw AppError.invalid('must be an http or https URL');
  return target;
}

/** The host without IPv6 brackets. */
function hostOf(target: URL): string {
  return target.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The HTTP client plugins get (see PluginHttpClient). The address check runs in the
 * socket's DNS lookup, so a name cannot resolve to a public address when saved and to a
 * private one when called.
 */
export class HttpClient implements PluginHttpClient {
  constructor(private readonly settings: HttpClientSettings) {}

  async checkTarget(url: string): Promise<void> {
    const host = hostOf(parseTarget(url));
    if (net.isIP(host)) return this.assertAllowed(host);
    let addresses: dns.LookupAddress[];
    try {
      addresses = await dns.promises.lookup(host, { all: true });
    } catch {
      throw AppError.invalid(`the host ${host} does not resolve`);
    }
    for (const { address } of addresses) this.assertAllowed(address);
  }

  async request(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const target = parseTarget(url);
    const host = hostOf(target);
    // Node does not look IP literals up: check them here.
    if (net.isIP(host)) this.assertAllowed(host);
    const timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, this.settings.maxTimeoutMs);
    const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers = { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) };

    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const transport = target.protocol === 'https:' ? https : http;
      const request = transport.request(target, { method: options.method ?? 'GET', headers, lookup: this.lookup, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (truncated: boolean) => settle(() => resolve({
          status: response.statusCode ?? 0,
          headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value ?? ''])),
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
        }));
        response.on('data', (chunk: Buffer) => {
          const room = maxBytes - size;
          if (chunk.length <= room) {
            chunks.push(chunk);
            size += chunk.length;
            return;
          }
          // Read no further than the limit: a huge answer costs nothing more.
          chunks.push(chunk.subarray(0, room));
          finish(true);
          request.destroy();
        });
        response.on('end', () => finish(false));
        response.on('error', (error) => settle(() => reject(networkError(error))));
      });
      const timer = setTimeout(() => request.destroy(new AppError('unavailable', `no answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('error', (error) => settle(() => reject(networkError(error))));
      request.end(body);
    });
  }

  private readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      try {
        for (const { address } of addresses) this.assertAllowed(address);
      } catch (refused) {
        return callback(refused as Error, '', 0);
      }
      if (options.all) (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };

  private assertAllowed(address: string): void {
    if (!this.settings.allowPrivateTargets && isPrivateAddress(address)) {
      throw AppError.invalid(`the address ${address} is private or loopback: refused`);
    }
  }
}

function networkError(error: Error): AppError {
  return error instanceof AppError ? error : new AppError('unavailable', error.message || 'the connection failed');
}
