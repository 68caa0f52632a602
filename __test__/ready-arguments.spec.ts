/**
 * `waitAll` and `ReadySignal.wait` given arguments of the wrong shape: a `ConfigError` naming the
 * argument and describing what was given, synchronously, as their documentation says; never a
 * TypeError from spreading something that is not iterable, nor '[object Object]'.
 */
import test from 'ava';
import { ConfigError, ReadySignal, ReadyTimeoutError, waitAll } from 'barstream';

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

test('a ReadyTimeoutError made by hand with arguments of the wrong shape is a ConfigError naming the argument; good ones make the message', (t) => {
  const cases: [string, unknown[]][] = [
    ['signals', [null, 5]],
    ['signals', ['a', 5]],
    ['signals', [[1], 5]],
    ['timeoutMs', [['a'], '5']],
    ['timeoutMs', [['a'], NaN]],
    ['subscribers', [['a'], 5, 'b']],
    ['at', [['a'], 5, [], '2024']],
  ];
  for (const [param, args] of cases) {
    const e = t.throws(() => new (ReadyTimeoutError as unknown as new (...a: unknown[]) => ReadyTimeoutError)(...args), { instanceOf: ConfigError }, JSON.stringify(args));
    t.is(e?.param, param);
  }
  const e = new ReadyTimeoutError(['slice', 'source'], 250, ['slow'], Date.UTC(2024, 0, 2, 15));
  t.is(e.code, 'ready_timeout');
  t.is(e.message, "ready signals 'slice', 'source' were not signalled within 250 ms: 'slow' still busy at 2024-01-02T15:00:00.000Z");
  t.deepEqual([e.signals, e.timeoutMs, e.subscribers], [['slice', 'source'], 250, ['slow']]);
});

test('signal(error) is refused rather than reported as ready (other values it ignores, as a callback); fail() with no error is refused; either leaves the signal pending', async (t) => {
  const r = new ReadySignal('slice');
  const signal = r.signal as (...args: unknown[]) => boolean;
  const e = t.throws(() => signal.call(r, new Error('subscriber failed')), { instanceOf: ConfigError });
  t.is(e?.param, 'error');
  t.regex(e?.message ?? '', /was given Error 'subscriber failed': to mark it failed, call fail\(error\)/);
  t.throws(() => signal.call(r, new TypeError('x')), { instanceOf: ConfigError });
  const fail = r.fail as (...args: unknown[]) => boolean;
  t.is(t.throws(() => fail.call(r), { instanceOf: ConfigError })?.param, 'error');
  t.is(r.state, 'pending');
  t.is(r.error, undefined);
  // A promise may reject with undefined: given, it is the failure.
  t.true(r.fail(undefined));
  t.is(r.state, 'failed');
  let outcome = 'pending';
  let reason: unknown = 'none';
  await r.wait().then(
    () => (outcome = 'resolved'),
    (x: unknown) => {
      outcome = 'rejected';
      reason = x;
    },
  );
  t.is(outcome, 'rejected');
  t.is(reason, undefined);
  const ok = new ReadySignal('other');
  t.true((ok.signal as (...args: unknown[]) => boolean)(undefined));
  t.is(ok.state, 'ready');
  // As a callback it is given values, which say nothing: a promise's value, an event's argument.
  const opened = new ReadySignal('open');
  await Promise.resolve({ socket: 1 }).then(opened.signal);
  t.is(opened.state, 'ready');
});
