import fs from 'node:fs';
import path from 'node:path';
import type { Context, Next } from 'koa';
import { AppError } from '../errors';
import { ROOT_DIR } from '../paths';

export const ADMIN_UI_DIR = path.join(ROOT_DIR, 'admin-ui', 'dist');
export const PUBLIC_UI_DIR = path.join(ROOT_DIR, 'public-ui', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names what it builds under assets/ by content hash: such a file never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves a built single-page app under `prefix`: its files as they are, and index.html
 * for every other path below the prefix (client-side routes), never cached so a new
 * build is picked up at once.
 */
export function serveSpa(prefix: string, dir: string) {
  const root = path.resolve(dir);
  return async function spa(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === prefix) return ctx.redirect(`${prefix}/`);

    let relative: string;
    try {
      relative = decodeURIComponent(ctx.path.slice(prefix.length + 1));
    } catch {
      throw new AppError('malformed', 'The path is not valid');
    }
    const file = path.resolve(root, relative);
    if (relative && !relative.includes('\0') && file.startsWith(`${root}${path.sep}`) && isFile(file)) {
      const immutable = relative.startsWith('assets/');
      return send(ctx, file, immutable ? IMMUTABLE : 'no-cache');
    }
    // A missing hashed asset is a stale page asking for an old build: 404, not the app.
    if (relative.startsWith('assets/')) throw AppError.notFound('File');
    const index = path.join(root, 'index.html');
    if (!isFile(index)) throw new AppError('unavailable', `The app is not built: run "npm run build -w ${path.basename(path.dirname(root))}"`);
    return send(ctx, index, 'no-cache');
  };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function send(ctx: Context, file: string, cacheControl: string): void {
  const stat = fs.statSync(file);
  ctx.status = 200;
  ctx.set('Cache-Control', cacheControl);
  ctx.type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
  ctx.lastModified = stat.mtime;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.length = stat.size;
  // Koa sends no body for HEAD and closes the stream when the response ends.
  ctx.body = fs.createReadStream(file);
}
