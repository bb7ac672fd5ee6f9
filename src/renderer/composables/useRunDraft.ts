import { ref, shallowRef } from 'vue';
import { BOOK_RUN_CONFIG, type RunConfig } from '../../common/runConfig.js';
import { formFromConfig, type FormState } from '../lib/runForm.js';

// A config handed from the Runs page's "duplicate and edit" to the run builder.
const draft = shallowRef<RunConfig | null>(null);
// The run builder's form lives here, not in the page, so leaving the page keeps what was typed.
const form = ref<FormState>(formFromConfig(BOOK_RUN_CONFIG));
// "Repeat with N seeds": not a run setting but the grid's, kept beside the form for the same reason.
const repeats = ref('1');

export function useRunDraft() {
  return {
    set(config: RunConfig) {
      draft.value = config;
    },
    /** Sets the builder's data set (after an import, or the built-in set on first start), keeping the rest. */
    pickDataset(id: string) {
      form.value['dataset.source'] = { value: id, vary: false, list: id };
    },
    /** The builder's form; filled from a handed-over config when there is one (`fromRun` says so). */
    takeForm() {
      const config = draft.value;
      draft.value = null;
      if (config) {
        form.value = formFromConfig(config);
        repeats.value = '1';
      }
      return { form, repeats, fromRun: config !== null };
    },
  };
}
