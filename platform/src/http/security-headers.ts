import type { Context, Next } from 'koa';

/**
 * What a browser may load and run, on every answer (the two apps, API, dev mailbox,
 * notification pages). Our pages are built by Vite into files of their own origin,
 * with no inline script: scripts come from 'self' only, and nothing runs code built
 * from strings (no eval: the UIs' forms validate with an interpreting JSON Schema
 * validator, admin-ui/src/shared/forms/schemas.ts). Vuetify writes its theme into a
 * <style> element at run time, hence inline styles (a style runs no code). No page may
 * be framed (clickjacking), nor post elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Powerful features no page of ours uses. */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()';

/**
 * Hardening headers on every answer, pages and API alike. HSTS is ignored by browsers
 * over plain HTTP (a development machine) and holds them to HTTPS once they met it.
 */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
  ctx.set('Permissions-Policy', PERMISSIONS_POLICY);
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('X-Frame-Options', 'DENY');
  await next();
}
