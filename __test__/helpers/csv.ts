/** A reader for the real minute-bar files in ../shared/data/minute (see its README). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Bar } from 'barstream';

/** The folder with the real minute bars, relative to this repository's root. */
export const MINUTE_DATA_DIR = fileURLToPath(new URL('../../../shared/data/minute/', import.meta.url));

export function minuteDataAvailable(): boolean {
  return existsSync(MINUTE_DATA_DIR);
}

/**
 * Parses `time,open,high,low,close,volume` with ISO 8601 UTC times into bars (time in epoch ms).
 * Throws on anything irregular, so a malformed file fails loudly instead of testing nothing.
 */
export function parseMinuteCsv(text: string): Bar[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0] !== 'time,open,high,low,close,volume') throw new Error(`unexpected header: ${lines[0]}`);
  return lines.slice(1).map((line, i) => {
    const parts = line.split(',');
    if (parts.length !== 6) throw new Error(`line ${i + 2}: expected 6 fields, got ${parts.length}`);
    const [iso, ...nums] = parts as [string, string, string, string, string, string];
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(iso)) throw new Error(`line ${i + 2}: bad time ${iso}`);
    const time = Date.parse(iso);
    const [open, high, low, close, volume] = nums.map((s) => {
      const x = Number(s);
      if (s.trim() === '' || !Number.isFinite(x)) throw new Error(`line ${i + 2}: bad number '${s}'`);
      return x;
    }) as [number, number, number, number, number];
    return { time, open, high, low, close, volume };
  });
}

export function readMinuteBars(symbol: string): Bar[] {
  return parseMinuteCsv(readFileSync(`${MINUTE_DATA_DIR}${symbol}_201310_1m.csv`, 'utf8'));
}
