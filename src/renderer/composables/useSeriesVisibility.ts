import { computed, inject, provide, ref, watch, type ComputedRef, type InjectionKey, type Ref } from 'vue';
import { runPalette, type Palette } from '../lib/palette.js';
import { isSolo, soloHidden, toggleHidden } from '../lib/visibility.js';

/*
 * What every Compare chart draws and in which colour: the shared legend changes it, the charts read
 * it. Provided once by Compare so that hiding a run in the legend hides it in every chart at once.
 */

export interface SeriesVisibility {
  hidden: Readonly<Ref<ReadonlySet<number>>>;
  palette: ComputedRef<Palette>;
  isShown(id: number): boolean;
  isSolo(ids: readonly number[]): boolean;
  /** Hides these runs (one, or a group), or shows them when all are hidden. */
  toggle(ids: readonly number[]): void;
  solo(ids: readonly number[]): void;
  showAll(): void;
  colorOf(id: number): string;
}

const KEY: InjectionKey<SeriesVisibility> = Symbol('series visibility');

/** The compared runs' visibility and colours, for Compare's components below it; everything is shown again when the runs change. */
export function provideSeriesVisibility(runs: Ref<readonly { id: number; group: string }[]>): SeriesVisibility {
  const hidden = ref<ReadonlySet<number>>(new Set());
  const ids = computed(() => runs.value.map((r) => r.id));
  const palette = computed(() => runPalette(runs.value));
  watch(ids, (now, before) => {
    if (now.join() !== before?.join()) hidden.value = new Set();
  });
  const visibility: SeriesVisibility = {
    hidden,
    palette,
    isShown: (id) => !hidden.value.has(id),
    isSolo: (of) => isSolo(ids.value, hidden.value, of),
    toggle: (of) => (hidden.value = toggleHidden(hidden.value, of)),
    solo: (of) => (hidden.value = soloHidden(ids.value, hidden.value, of)),
    showAll: () => (hidden.value = new Set()),
    colorOf: (id) => palette.value.runs.get(id) ?? '#6b7280',
  };
  provide(KEY, visibility);
  return visibility;
}

export function useSeriesVisibility(): SeriesVisibility {
  const visibility = inject(KEY);
  if (!visibility) throw new Error('useSeriesVisibility needs provideSeriesVisibility in a parent (Compare)');
  return visibility;
}
