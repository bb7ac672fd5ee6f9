import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentSecurityPolicy } from '../../common/csp.js';
import { sendError } from './respond.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The renderer's routes: each is the single-page app's index.html, which picks the view from the path. */
export const PAGE_ROUTES = new Set(['/', '/index.html', '/popup']);

export const NOT_BUILT = 'the app is not built: run `npm run build`, then start `workbench serve` again (the API works without it)';

/**
 * GET/HEAD of the built renderer (`out/renderer`). Paths are resolved inside `rootDir` only: `..`
 * segments, encoded or not, and anything that leaves the folder are 404, as are folders and dotfiles.
 */
export async function handleStatic(rootDir: string, { pathname, search }: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendError(res, 405, 'only GET and HEAD outside /api');
  }
  if (pathname.length > 1 && pathname.endsWith('/')) {
    // `/popup/` would load the page's relative `./assets/…` from /popup/assets: answer from the canonical path instead.
    // One leading slash: `//host` would send the browser to another site.
    res.writeHead(308, { Location: `/${pathname.replace(/^\/+|\/+$/g, '')}${search}` }).end();
    return;
  }
  const named = PAGE_ROUTES.has(pathname) ? path.join(rootDir, 'index.html') : resolveInside(rootDir, pathname);
  // Links are followed only inside the folder: a file whose real path leaves it is not found.
  const file = named ? await realInside(rootDir, named) : null;
  const info = file ? await stat(file).catch(() => null) : null;
  if (!file || !info?.isFile()) {
    return PAGE_ROUTES.has(pathname) ? sendError(res, 404, NOT_BUILT) : sendError(res, 404, `not found: ${pathname}`);
  }
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const html = type.startsWith('text/html');
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': info.size,
    'X-Content-Type-Options': 'nosniff',
    // The page keeps ?token in its address; never send it to another site as a referrer.
    'Referrer-Policy': 'no-referrer',
    ...(html ? { 'Content-Security-Policy': contentSecurityPolicy(), 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' } : {}),
  });
  if (req.method === 'HEAD') return void res.end();
  // A read that fails midway (the file replaced by a rebuild) ends this answer, never the server.
  await pipeline(createReadStream(file), res).catch(() => res.destroy());
}

/** `file`'s real path (links followed) when it lies inside `rootDir`'s real path; null otherwise or when it does not exist. */
async function realInside(rootDir: string, file: string): Promise<string | null> {
  const [root, real] = await Promise.all([realpath(rootDir).catch(() => null), realpath(file).catch(() => null)]);
  return root !== null && real !== null && real.startsWith(root + path.sep) ? real : null;
}

function resolveInside(rootDir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const segments = decoded.split(/[/\\]/).filter(Boolean);
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return null;
  const root = path.resolve(rootDir);
  const file = path.resolve(root, ...segments);
  return file.startsWith(root + path.sep) ? file : null;
}
