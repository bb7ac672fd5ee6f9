import { computed, onMounted, ref, watch } from 'vue';
import type { Prediction, RunSummary } from '../../common/api.js';
import { classifierRuns, pickRun } from '../lib/classify.js';
import { errorText } from '../lib/format.js';
import { useApi } from './useApi.js';
import { useEvents } from './useEvents.js';

const STORAGE_KEY = 'workbench.classifyRun';

function remembered(): number | null {
  const value = Number(localStorage.getItem(STORAGE_KEY));
  return Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * The runs that can classify and the chosen one, remembered across visits, and classifying with it
 * (the Classify page and the popup share all of it).
 */
export function useClassifierRuns() {
  const runs = ref<RunSummary[]>([]);
  const runId = ref<number | null>(null);
  const loading = ref(true);
  const error = ref<string | null>(null);

  async function load() {
    try {
      runs.value = classifierRuns(await useApi().listRuns());
      runId.value = pickRun(runs.value, runId.value ?? remembered());
      error.value = null;
    } catch (e) {
      error.value = `Could not list the runs: ${errorText(e)}`;
    } finally {
      loading.value = false;
    }
  }
  onMounted(load);
  useEvents((event) => {
    if (event.type === 'runs-changed' || (event.type === 'run-status' && event.status === 'finished')) void load();
  });
  watch(runId, (id) => {
    if (id !== null) localStorage.setItem(STORAGE_KEY, String(id));
  });

  const busy = ref(false);
  const classifyError = ref<string | null>(null);
  /** The chosen run's predictions, or null (with `classifyError` saying why) when there are none. */
  async function predict(texts: string[]): Promise<Prediction[] | null> {
    if (runId.value === null || texts.length === 0) return null;
    busy.value = true;
    try {
      const predictions = await useApi().classify(runId.value, texts);
      classifyError.value = null;
      return predictions;
    } catch (e) {
      classifyError.value = `Could not classify: ${errorText(e)}`;
      return null;
    } finally {
      busy.value = false;
    }
  }

  const chosen = computed(() => runs.value.find((r) => r.id === runId.value) ?? null);
  return { runs, runId, chosen, loading, error, busy, classifyError, predict };
}
