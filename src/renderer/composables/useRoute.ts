import { readonly, ref } from 'vue';
import { parseRoute, routeHash, type Route, type RouteName } from '../lib/router.js';

// One route for the whole app, read from the location and kept in step with it.
const current = ref<Route>(parseRoute(window.location.hash, window.location.pathname));
window.addEventListener('hashchange', () => {
  current.value = parseRoute(window.location.hash, window.location.pathname);
});

/** The current page and a way to go to another (back and forward work, the hash is the state). */
export function useRoute() {
  return {
    route: readonly(current),
    navigate(name: RouteName, query: Record<string, string> = {}) {
      window.location.hash = routeHash(name, query);
    },
  };
}
