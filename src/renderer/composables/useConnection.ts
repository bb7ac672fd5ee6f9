import { readonly, ref } from 'vue';

// Whether the workbench stopped answering, for the whole page: the transport reports, the banner and live figures read it.
const lost = ref(false);

/** Called by the transport: whether its last request or event stream reached the workbench. */
export function reportConnection(up: boolean): void {
  lost.value = !up;
}

export function useConnection() {
  return { lost: readonly(lost) };
}
