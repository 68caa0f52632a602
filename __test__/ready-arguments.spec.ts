/**
 * `waitAll` and `ReadySignal.wait` given arguments of the wrong shape: a `ConfigError` naming the
 * argument and describing what was given, synchronously, as their documentation says; never a
 * TypeError from spreading something that is not iterable, nor '[object Object]'.
 */
import test from 'ava';
import { ConfigError, ReadySignal, waitAll } from 'barstream';

test('waitAll of something that is not an iterable is a ConfigError naming signals', (t) => {
  for (const signals of [5, null, undefined, {}, new ReadySignal('a')]) {
    const e = t.throws(() => waitAll(signals as unknown as ReadySignal[]), { instanceOf: ConfigError }, String(signals));
    t.is(e?.param, 'signals');
    t.regex(e?.message ?? '', /expected an iterable of ReadySignals/);
  }
  for (const signals of [5, null]) t.throws(() => ReadySignal.all(signals as unknown as ReadySignal[]), { instanceOf: ConfigError });
});

test('a timeout that is not a number is described as what it is', (t) => {
  const ready = new ReadySignal('a');
  const e = t.throws(() => waitAll([ready], { timeoutMs: 10 } as unknown as number), { instanceOf: ConfigError });
  t.is(e?.param, 'timeoutMs');
  t.is(e?.message, 'invalid timeoutMs: an object is not a number of milliseconds >= 0');
  t.throws(() => ready.wait('10' as unknown as number), { instanceOf: ConfigError, message: "invalid timeoutMs: '10' is not a number of milliseconds >= 0" });
  t.is(ready.state, 'pending');
});
