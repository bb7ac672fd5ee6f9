import { onBeforeUnmount, onMounted } from 'vue';
import type { WorkbenchEvent } from '../../common/api.js';
import { useApi } from './useApi.js';

/** Listens to the service's events while the component is mounted. */
export function useEvents(listener: (event: WorkbenchEvent) => void): void {
  let stop: (() => void) | null = null;
  onMounted(() => {
    stop = useApi().onEvent(listener);
  });
  onBeforeUnmount(() => stop?.());
}
