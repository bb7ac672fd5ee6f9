import { ref, shallowRef } from 'vue';
import { BOOK_RUN_CONFIG, type RunConfig } from '../../common/runConfig.js';
import { formFromConfig, type FormState } from '../lib/runForm.js';

// A config handed from the Runs page's "duplicate and edit" to the run builder, with the run it came from.
const draft = shallowRef<{ config: RunConfig; copyOf: number } | null>(null);
// The run builder's form lives here, not in the page, so leaving the page keeps what was typed.
const form = ref<FormState>(formFromConfig(BOOK_RUN_CONFIG));
// "Repeat with N seeds": not a run setting but the grid's, kept beside the form for the same reason.
const repeats = ref('1');
// The run the form was filled from, so the service names its copies "copy of #N"; null once reset.
const copyOf = ref<number | null>(null);

export function useRunDraft() {
  return {
    /** Hands a run's settings to the builder (Duplicate…). */
    set(config: RunConfig, runId: number) {
      draft.value = { config, copyOf: runId };
    },
    /** Sets the builder's data set (after an import, or the built-in set on first start), keeping the rest. */
    pickDataset(id: string) {
      form.value['dataset.source'] = { value: id, vary: false, list: id };
    },
    /** The builder's form; filled from a handed-over run when there is one (`copyOf` names it). */
    takeForm() {
      const handed = draft.value;
      draft.value = null;
      if (handed) {
        form.value = formFromConfig(handed.config);
        repeats.value = '1';
        copyOf.value = handed.copyOf;
      }
      return { form, repeats, copyOf };
    },
  };
}
