// A global script (no top-level import), so these declarations apply to the whole renderer.

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface Window {
  /** Set by the preload in Electron (absent in a browser under `workbench serve`); the renderer reaches it only through useApi(). */
  readonly workbench?: import('../common/api.js').WorkbenchClient;
}
