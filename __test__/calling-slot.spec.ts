/**
 * The calling slot is one buffer per thread and addon: a second copy of the binding module gets the
 * same buffer (not an error, not a second buffer over the same memory), and stores made through
 * either copy work side by side.
 */
import test from 'ava';
import { SessionData } from 'barstream';
import { scratchDir } from './helpers/scratch.js';

test('a second copy of the binding module gets the same calling slot', async (t) => {
  const first = (await import(new URL('../dist/native.js', import.meta.url).href)) as { SLOT: Float64Array };
  const second = (await import(new URL('../dist/native.js?second-copy', import.meta.url).href)) as { SLOT: Float64Array };
  t.not(first, second, 'two module instances');
  t.is(first.SLOT.buffer, second.SLOT.buffer);
  t.is(first.SLOT.length, 10);

  // Stores keep working, and each keeps its own bars, whichever copy was loaded last.
  const open = Date.UTC(2013, 9, 7, 13, 30);
  const session = { date: '2013-10-07', open, close: open + 390 * 60_000, timeZone: 'America/New_York', dayStart: open - 9.5 * 3_600_000 };
  const a = new SessionData({ intervals: ['5m'] });
  const b = new SessionData({ intervals: ['5m'] });
  a.beginSession(session);
  b.beginSession(session);
  for (let i = 0; i < 5; i++) {
    a.append('X', { time: open + i * 60_000, open: 1, high: 2, low: 1, close: 2, volume: 1 });
    b.append('X', { time: open + i * 60_000, open: 10, high: 20, low: 10, close: 20, volume: 7 });
  }
  t.deepEqual([...a.bars('X', '5m').volume], [5]);
  t.deepEqual([...b.bars('X', '5m').volume], [35]);
});

test('a second copy of the addon has its own slot and stores: neither writes into the other', async (t) => {
  const { createRequire } = await import('node:module');
  const { copyFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const native = (await import(new URL('../dist/native.js', import.meta.url).href)) as { SLOT: Float64Array };
  const dir = scratchDir(t, 'barstream-');
  const copy = join(dir, 'copy.node');
  copyFileSync(new URL('../barstream.linux-x64-gnu.node', import.meta.url), copy);
  type Copy = {
    callingSlot(): ArrayBuffer;
    slotFunctions(): { appendSlot(): void };
    NativeSessionStore: new (o: object) => { handle: number; intern(s: string): number; beginSession(o: number, c: number, d: number): void; storedBars(): number };
  };
  const other = createRequire(import.meta.url)(copy) as Copy;
  const otherSlot = new Float64Array(other.callingSlot());
  t.not(otherSlot.buffer, native.SLOT.buffer);

  const open = Date.UTC(2013, 9, 7, 13, 30);
  const session = { date: '2013-10-07', open, close: open + 390 * 60_000, timeZone: 'America/New_York', dayStart: open - 9.5 * 3_600_000 };
  const ours = new SessionData({ intervals: ['5m'] });
  ours.beginSession(session);
  const theirs = new other.NativeSessionStore({ baseInterval: '1m', intervals: ['5m'], alignment: 'session', emptyBuckets: 'skip' });
  const id = theirs.intern('X');
  theirs.beginSession(session.open, session.close, session.dayStart);
  const { appendSlot } = other.slotFunctions();
  for (let i = 0; i < 3; i++) {
    ours.append('X', { time: open + i * 60_000, open: 1, high: 2, low: 1, close: 2, volume: 1 });
    otherSlot.set([open + i * 60_000, 5, 6, 5, 6, 9, theirs.handle, id]);
    appendSlot();
  }
  t.is(ours.stats().storedBars, 3);
  t.is(theirs.storedBars(), 3);
  t.deepEqual([...ours.bars('X', '1m').volume], [1, 1, 1]);
});

test('advanceToSlot with a results array too short for what closed leaves the pairs for takeClosed, losing none', async (t) => {
  const native = (await import(new URL('../dist/native.js', import.meta.url).href)) as {
    SLOT: Float64Array;
    advanceToSlot(results: Float64Array): void;
    takeClosed(): number[];
  };
  const open = Date.UTC(2013, 9, 7, 13, 30);
  const data = new SessionData({ intervals: ['5m'] });
  data.beginSession({ date: '2013-10-07', open, close: open + 390 * 60_000, timeZone: 'America/New_York' });
  for (const s of ['A', 'B', 'C']) data.append(s, { time: open, open: 1, high: 1, low: 1, close: 1, volume: 1 });
  // The store's handle: what append wrote into the slot last.
  const storeHandle = native.SLOT[6] as number;
  native.SLOT[0] = open + 5 * 60_000;
  native.SLOT[6] = storeHandle;
  native.advanceToSlot(new Float64Array(2));
  t.is(native.SLOT[0], 3);
  t.is(native.SLOT[1], 0);
  // Symbols 0, 1 and 2 each closed their 5m bucket: series 1, mask 2 (the base series is bit 1).
  t.deepEqual(native.takeClosed(), [0, 2, 1, 2, 2, 2]);
  t.deepEqual(native.takeClosed(), []);
  t.is(data.bars('C', '5m').length, 1);
});
