/** Delimiters tried when none is given, in order of preference on a tie: a tab that splits every line
 * the same way is stronger evidence than a comma, which is common inside texts. */
const DELIMITER_CANDIDATES = ['\t', ',', ';', '|'] as const;

const SAMPLE_LINES = 100;

/**
 * The candidate that splits the most sample lines into the same number (≥ 2) of fields.
 * Counts ignore delimiters between double quotes on the same line, so quoted commas do not count.
 * Returns undefined when no candidate splits any line.
 */
export function detectDelimiter(text: string): string | undefined {
  const lines = sampleLines(text);
  let best: { delimiter: string; score: number } | undefined;
  for (const delimiter of DELIMITER_CANDIDATES) {
    const score = consistency(lines.map((line) => countOutsideQuotes(line, delimiter)));
    if (score > 0 && (!best || score > best.score)) best = { delimiter, score };
  }
  return best?.delimiter;
}

function sampleLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n', SAMPLE_LINES * 2)) {
    if (line.trim() !== '') lines.push(line);
    if (lines.length === SAMPLE_LINES) break;
  }
  return lines;
}

/** Share of lines having the most common count, or 0 when that count is 0 (the delimiter is absent). */
function consistency(counts: number[]): number {
  const frequency = new Map<number, number>();
  for (const c of counts) frequency.set(c, (frequency.get(c) ?? 0) + 1);
  let modal = 0;
  let modalFrequency = 0;
  for (const [count, n] of frequency) {
    if (n > modalFrequency || (n === modalFrequency && count > modal)) [modal, modalFrequency] = [count, n];
  }
  return modal === 0 ? 0 : modalFrequency / counts.length;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) count++;
  }
  return count;
}
