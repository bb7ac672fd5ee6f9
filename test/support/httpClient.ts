import http from 'node:http';

/** A response as received: status, headers and the body as text. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body as JSON (throws when it is not). */
  json(): unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string;
}

/**
 * One request with node:http rather than fetch, because tests need what fetch forbids or
 * normalizes: any Host header, and paths sent exactly as written (`/../x`).
 */
export function request(origin: string, path: string, { method = 'GET', headers = {}, body }: RequestOptions = {}): Promise<Reply> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, json: () => JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A server-sent-event stream read message by message (Node 20 has no EventSource). */
export interface EventStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Resolves with the first message's data (parsed as JSON) that `match` accepts, including ones already received. */
  next<T>(match: (data: T) => boolean): Promise<T>;
  close(): void;
}

export function openEventStream(origin: string, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<EventStream> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: hostname, port, path, headers }, (res) => {
      const received: unknown[] = [];
      const waiting: { match: (d: unknown) => boolean; resolve: (d: unknown) => void }[] = [];
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice('data: '.length))
            .join('\n');
          if (!data) continue;
          const value = JSON.parse(data) as unknown;
          received.push(value);
          for (const w of waiting.filter((w) => w.match(value))) {
            waiting.splice(waiting.indexOf(w), 1);
            w.resolve(value);
          }
        }
      });
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        next<T>(match: (data: T) => boolean) {
          const seen = received.find((d) => match(d as T));
          if (seen !== undefined) return Promise.resolve(seen as T);
          return new Promise<T>((done) => waiting.push({ match: match as (d: unknown) => boolean, resolve: done as (d: unknown) => void }));
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
