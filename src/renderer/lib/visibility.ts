/*
 * Which compared runs the charts draw: a set of hidden run ids. Solo is not a state of its own but
 * "hide all the others", so that hide, show and solo compose and the legend shows one truth.
 */

/** Hides the runs (a run or a whole group), or shows them again when all of them are hidden. */
export function toggleHidden(hidden: ReadonlySet<number>, ids: readonly number[]): Set<number> {
  const next = new Set(hidden);
  const allHidden = ids.every((id) => hidden.has(id));
  for (const id of ids) {
    if (allHidden) next.delete(id);
    else next.add(id);
  }
  return next;
}

/** Shows only these runs; when they are already the only ones shown, shows every run again. */
export function soloHidden(all: readonly number[], hidden: ReadonlySet<number>, ids: readonly number[]): Set<number> {
  const shown = all.filter((id) => !hidden.has(id));
  const alreadySolo = shown.length === ids.length && ids.every((id) => shown.includes(id));
  return alreadySolo ? new Set() : new Set(all.filter((id) => !ids.includes(id)));
}

/** Whether these runs are exactly the ones shown (the legend marks the solo button as pressed). */
export function isSolo(all: readonly number[], hidden: ReadonlySet<number>, ids: readonly number[]): boolean {
  const shown = all.filter((id) => !hidden.has(id));
  return ids.length < all.length && shown.length === ids.length && ids.every((id) => shown.includes(id));
}
