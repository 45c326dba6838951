import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface ReceiverAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answer after this long (the platform may have given up by then). */
  delayMs?: number;
}

/** A real HTTP server on 127.0.0.1 that records what it receives and answers as the test says. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  /** Decides each answer; 200 by default. */
  answer: (request: ReceivedRequest) => ReceiverAnswer = () => ({ status: 200 });
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<Receiver> {
    let receiver!: Receiver;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received = { method: request.method!, path: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        receiver.requests.push(received);
        const answer = receiver.answer(received);
        setTimeout(() => {
          if (response.destroyed) return;
          response.writeHead(answer.status ?? 200, answer.headers);
          response.end(answer.body);
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    return receiver;
  }

  /** Requests to `path`, their bodies parsed. */
  json(path: string): any[] {
    return this.requests.filter((request) => request.path === path).map((request) => JSON.parse(request.body));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
