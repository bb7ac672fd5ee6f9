/** Header names that say what a column holds (compared case-insensitively), used to map columns and spot headers. */
export const TEXT_COLUMN_NAMES = ['text', 'message', 'sms', 'body', 'content', 'sentence', 'review', 'email', 'v2'];
export const LABEL_COLUMN_NAMES = ['label', 'labels', 'class', 'category', 'target', 'y', 'spam', 'v1'];

export function isKnownColumnName(name: string): boolean {
  const lower = name.trim().toLowerCase();
  return TEXT_COLUMN_NAMES.includes(lower) || LABEL_COLUMN_NAMES.includes(lower);
}
