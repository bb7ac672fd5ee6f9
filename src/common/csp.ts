// The renderer's Content-Security-Policy. It lives here, not in src/main, because two processes
// deliver it: Electron main (response header + the meta tag written into index.html at build time)
// and, later, the `serve` mode HTTP server. Everything comes from the app's own origin: no remote
// hosts, no eval, no inline script, no plugins; `data:` images only because Vite inlines small assets.
const directives: Record<string, string> = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
};

/**
 * The policy as one header value. `dev` allows inline styles only because Vite's dev server
 * injects component CSS as <style> elements; production builds load CSS from files.
 */
export function contentSecurityPolicy(dev = false): string {
  const all = dev ? { ...directives, 'style-src': "'self' 'unsafe-inline'" } : directives;
  return Object.entries(all)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}
