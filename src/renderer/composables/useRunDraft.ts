import { shallowRef } from 'vue';
import type { RunConfig } from '../../common/runConfig.js';

// A config handed from the Runs page's "duplicate and edit" to the run builder.
const draft = shallowRef<RunConfig | null>(null);

export function useRunDraft() {
  return {
    set(config: RunConfig) {
      draft.value = config;
    },
    take(): RunConfig | null {
      const config = draft.value;
      draft.value = null;
      return config;
    },
  };
}
