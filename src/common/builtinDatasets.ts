/*
 * The built-in data sets: the UCI SMS Spam Collection (downloaded on first use, see core/data/smsSpam.ts) in
 * two readings. `book`: as the book's pandas code reads it, two pairs of lines merged by CSV quoting, which
 * with the book's sampling gives the book's exact split; `exact`: every message, read as the plain TSV it is.
 */

const count = (n: number) => n.toLocaleString('en-US');

export const BOOK_DATASET = { id: 'sms-spam-book', reading: 'book', rows: 5_572 } as const;
export const EXACT_DATASET = { id: 'sms-spam', reading: 'exact', rows: 5_574 } as const;

export const BUILTIN_DATASETS = [
  { ...BOOK_DATASET, name: "SMS Spam Collection (the book's reading)" },
  { ...EXACT_DATASET, name: `SMS Spam Collection (all ${count(EXACT_DATASET.rows)} messages)` },
] as const;

export type BuiltinDataset = (typeof BUILTIN_DATASETS)[number];

/** A run's data set unless it names another: the book's reading. */
export const DEFAULT_DATASET = BOOK_DATASET.id;

export function builtinDataset(id: string): BuiltinDataset | undefined {
  return BUILTIN_DATASETS.find((b) => b.id === id);
}

/** The two readings in a few words, for help texts. */
export const BUILTIN_DATASETS_TEXT = {
  book: `read as the book's pandas code reads it, ${count(BOOK_DATASET.rows)} rows`,
  exact: `all ${count(EXACT_DATASET.rows)} messages`,
} as const;
