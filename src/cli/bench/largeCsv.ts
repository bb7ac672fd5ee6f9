import { closeSync, openSync, writeSync } from 'node:fs';

const WORDS = [
  'free',
  'call',
  'now',
  'hello',
  'see',
  'you',
  'later',
  'win',
  'prize',
  'meeting',
  'tomorrow',
  'ok',
  'lunch',
  'reply',
  'cash',
];

/** Writes a CSV of about `megabytes` MB (10⁶ bytes) of distinct short quoted messages, labelled ham and spam; returns its size. */
export function writeLargeCsv(file: string, megabytes: number): number {
  const fd = openSync(file, 'w');
  try {
    let size = writeSync(fd, 'label,text\n');
    for (let i = 0; size < megabytes * 1e6;) {
      let chunk = '';
      for (let k = 0; k < 10_000; k++, i++) {
        let text = `msg ${i}`;
        for (let w = 0; w < 12; w++) text += ` ${WORDS[(i * 7 + w * 13 + (i >> 3)) % WORDS.length]}`;
        chunk += `${i % 5 === 0 ? 'spam' : 'ham'},"${text}"\n`;
      }
      size += writeSync(fd, chunk);
    }
    return size;
  } finally {
    closeSync(fd);
  }
}
