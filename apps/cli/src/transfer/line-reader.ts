import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * The file's lines, one at a time, with the line number (1-based). Async iteration of the stream reads the next chunk
 * only when the consumer asks, so a large file never sits in memory (readline's iterator buffers ahead).
 */
export async function* readLines(path: string): AsyncGenerator<{ text: string; line: number }> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  for await (const chunk of createReadStream(path)) {
    pending += decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
      yield { text: pending.slice(start, nl).replace(/\r$/, ''), line: ++line };
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending.length > 0) yield { text: pending, line: line + 1 };
}
