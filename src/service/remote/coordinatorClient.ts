import { WorkbenchError } from '../../core/errors.js';
import { REMOTE_PATH } from '../../common/hostProtocol.js';

/** An answer of the coordinator that is not a success: its status and the one line it gave. */
export class CoordinatorRefused extends WorkbenchError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Back-off between attempts at an unreachable coordinator: doubling from half a second to ten. */
const FIRST_PAUSE_MS = 500;
const LONGEST_PAUSE_MS = 10_000;

/**
 * A training host's line to the coordinator: `/api/remote/…` of the URL `serve` printed, with its token. A call
 * that cannot reach it (stopped, restarting, the network) or that it answers 502/503/504 is tried again with
 * back-off until it goes through; a refusal (401 token, 404, 409, 410, 413) is thrown at once.
 */
export class CoordinatorClient {
  private outage = false;

  constructor(
    readonly base: URL,
    private readonly token: string,
    private readonly say: (line: string) => void,
  ) {}

  /** One call, no retries: the answer, or CoordinatorRefused; a failure to connect is thrown as it is. */
  async call(method: 'GET' | 'POST' | 'PUT', route: string, body?: unknown, init: RequestInit = {}): Promise<Response> {
    const json = body !== undefined && !(body instanceof ReadableStream) && !(body instanceof Uint8Array);
    const res = await fetch(new URL(`${REMOTE_PATH}/${route}`, this.base), {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(body) : (body as RequestInit['body']),
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      ...init,
    } as RequestInit);
    if (res.ok) return res;
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: the text as it is
    }
    throw new CoordinatorRefused(res.status, message);
  }

  /** `call` until it goes through (see the class); `signal` gives up. */
  async retrying<T>(what: string, attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(2 * pause, LONGEST_PAUSE_MS)) {
      try {
        const result = await attempt();
        if (this.outage) this.say(`the workbench at ${this.base.origin} answers again`);
        this.outage = false;
        return result;
      } catch (err) {
        if (err instanceof CoordinatorRefused && ![502, 503, 504].includes(err.status)) throw err;
        if (signal?.aborted) throw err;
        if (!this.outage) this.say(`cannot reach the workbench at ${this.base.origin} (${reason(err)}) while ${what}; trying again`);
        this.outage = true;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  async json<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const res = await this.call(method, route, body);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
