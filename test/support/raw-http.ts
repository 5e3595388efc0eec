// HTTP requests with the Host, Origin and request line a test chooses: fetch will not forge Host, so node:http and bare sockets.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  /** Sent as given; without `host`, no Host header is sent at all. */
  headers?: Record<string, string>;
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
}

/** One HTTP/1.1 request to 127.0.0.1:port over node:http, with exactly the headers given (Host included). */
export function rawRequest(port: number, options: RawRequest = {}): Promise<RawResponse> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers,
        // node:http would otherwise add Host: 127.0.0.1:port when the test leaves it out on purpose.
        setHost: false,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode!, contentType: res.headers['content-type'], body: text }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes `head` (request line and headers, CRLF-separated, no blank line) as is and reads the answer until the server closes. */
export function rawSocket(port: number, head: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // Written, not ended: Node's server drops a request whose client half-closed before the answer was ready.
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`${head}\r\nConnection: close\r\n\r\n`, 'latin1'),
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [headText = '', body = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headText)?.[1] ?? 0);
      const contentType = /^content-type:\s*(.+)$/im.exec(headText)?.[1]?.trim();
      resolve({ status, contentType, body });
    });
  });
}

/** The single error of a 403 refusal, checked for the `{ errors: [{ code, message }] }` shape and nothing more. */
export function refusalOf(response: RawResponse): { code: string; message: string } {
  if (response.status !== 403) throw new Error(`expected 403, got ${response.status}: ${response.body}`);
  if (!response.contentType?.startsWith('application/json'))
    throw new Error(`expected JSON, got ${response.contentType}`);
  const body = JSON.parse(response.body) as { errors: { code: string; message: string }[] };
  const keys = Object.keys(body).join(',');
  if (keys !== 'errors' || body.errors.length !== 1) throw new Error(`unexpected body: ${response.body}`);
  const [error] = body.errors;
  if (Object.keys(error!).sort().join(',') !== 'code,message')
    throw new Error(`unexpected error: ${response.body}`);
  return error!;
}
