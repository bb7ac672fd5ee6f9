import { computed, onMounted, ref, watch } from 'vue';
import type { RunSummary } from '../../common/api.js';
import { classifierRuns, pickRun } from '../lib/classify.js';
import { errorText } from '../lib/format.js';
import { useApi } from './useApi.js';
import { useEvents } from './useEvents.js';

const STORAGE_KEY = 'workbench.classifyRun';

function remembered(): number | null {
  const value = Number(localStorage.getItem(STORAGE_KEY));
  return Number.isInteger(value) && value > 0 ? value : null;
}

/** The runs that can classify and the chosen one, remembered across visits (the Classify page and the popup share it). */
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

  const chosen = computed(() => runs.value.find((r) => r.id === runId.value) ?? null);
  return { runs, runId, chosen, loading, error };
}
