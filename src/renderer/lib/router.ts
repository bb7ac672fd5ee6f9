/** The renderer's pages; `popup` is the tray popup, a page of its own without the app's layout. */
export const ROUTE_NAMES = ['runs', 'new', 'compare', 'datasets', 'classify', 'system', 'popup'] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface Route {
  name: RouteName;
  query: Record<string, string>;
}

const DEFAULT_ROUTE: RouteName = 'runs';

/**
 * Reads the route from the location: `#/compare?ids=1,2` and the like. The popup is a route too:
 * `serve` serves index.html at `/popup`, Electron loads `index.html#/popup`.
 */
export function parseRoute(hash: string, pathname = '/'): Route {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const query = Object.fromEntries(new URLSearchParams(search));
  if (/\/popup\/?$/.test(pathname)) return { name: 'popup', query };
  const name = ROUTE_NAMES.find((n) => n === path.replace(/\/$/, '')) ?? DEFAULT_ROUTE;
  return { name, query };
}

/** The hash for a route, e.g. `#/compare?ids=1,2`. */
export function routeHash(name: RouteName, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString().replace(/%2C/gi, ',');
  return `#/${name}${search ? `?${search}` : ''}`;
}

/** Run ids from a `1,2,3` query value; anything that is not a positive integer is dropped. */
export function parseIds(value: string | undefined): number[] {
  if (!value) return [];
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^[1-9]\d*$/.test(s))
    .map(Number);
  return [...new Set(ids)];
}
