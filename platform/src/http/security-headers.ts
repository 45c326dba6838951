import type { Context, Next } from 'koa';

/**
 * What a browser may load and run. Our pages are built by Vite into files of their own
 * origin, with no inline script: scripts come from 'self' only. Vuetify writes its theme
 * into a <style> element at run time, hence inline styles (a style runs no code). No
 * page may be framed (clickjacking), nor post elsewhere.
 */
function contentSecurityPolicy(scriptSources: string): string {
  return [
    "default-src 'self'",
    `script-src ${scriptSources}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Every answer but the two apps': API, dev mailbox, notification pages. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy("'self'");

/**
 * The admin UI and the public portal: their forms validate with Ajv in the browser,
 * which compiles each schema (the territory's forms are data) into a function, i.e.
 * eval. Injected markup still runs nothing: no inline script, no other origin.
 */
export const APP_CONTENT_SECURITY_POLICY = contentSecurityPolicy("'self' 'unsafe-eval'");

const APP_PREFIXES = ['/admin', '/public'];

/** Powerful features no page of ours uses. */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()';

/**
 * Hardening headers on every answer, pages and API alike. HSTS is ignored by browsers
 * over plain HTTP (a development machine) and holds them to HTTPS once they met it.
 */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  const app = APP_PREFIXES.some((prefix) => ctx.path === prefix || ctx.path.startsWith(`${prefix}/`));
  ctx.set('Content-Security-Policy', app ? APP_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY);
  ctx.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
  ctx.set('Permissions-Policy', PERMISSIONS_POLICY);
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('X-Frame-Options', 'DENY');
  await next();
}
