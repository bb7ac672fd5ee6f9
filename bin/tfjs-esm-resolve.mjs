// tfjs-core's gradient registrations exist only in its unbundled ES-module build, whose imports
// omit file extensions ("./gradients", "../ops/add"). Node's ES-module resolver rejects those;
// this hook retries them the way bundlers do.
const TFJS_DIST = '/@tensorflow/tfjs-core/dist/';

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (!specifier.startsWith('.') || !context.parentURL?.includes(TFJS_DIST)) throw err;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return { ...(await nextResolve(specifier + suffix, context)), format: 'module' };
      } catch {
        // try the next form
      }
    }
    throw err;
  }
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  // The package has no "type": "module", so Node would read these ES modules as CommonJS.
  if (url.includes(TFJS_DIST) && url.endsWith('.js') && !url.endsWith('tf-core.node.js')) {
    return nextLoad(url, { ...context, format: 'module' });
  }
  return nextLoad(url, context);
}
