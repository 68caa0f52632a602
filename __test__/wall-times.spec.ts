/**
 * Wall times without an offset, read in a time zone, against the runtime's own time zone data
 * (`Intl.DateTimeFormat`) as the independent reference: every minute of days the clocks change and
 * of ordinary days, in zones that change by an hour, by half an hour, at midnight, and at 00:01.
 * One parser per zone reads them in a scrambled order, so its caches (a day's offset, a quarter
 * hour's on days of a change) are read back as well as filled.
 */
import test from 'ava';
import { TimeParser } from '../src/sources/fields.js';

const formats = new Map<string, Intl.DateTimeFormat>();
/** Minutes the zone's clock is ahead of UTC at instant `t`. */
function offsetMinutes(zone: string, t: number): number {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  return Math.round((Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - Math.floor(t / 1000) * 1000) / 60_000);
}
/** The instants at which the zone's clock shows `wall` (read as UTC ms): none, one or two. */
function instants(zone: string, wall: number): number[] {
  const offsets = new Set<number>();
  for (let h = -24; h <= 24; h += 12) offsets.add(offsetMinutes(zone, wall + h * 3_600_000));
  return [...offsets].map((o) => wall - o * 60_000).filter((t) => offsetMinutes(zone, t) === (wall - t) / 60_000).sort((a, b) => a - b);
}
const pad = (n: number): string => String(n).padStart(2, '0');
const text = (wall: number): string => {
  const d = new Date(wall);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

const cases: [string, string[]][] = [
  ['America/New_York', ['2024-03-10', '2024-11-03', '2024-06-12']],
  ['Australia/Lord_Howe', ['2024-04-07', '2024-10-06', '2024-01-15']],
  ['America/Havana', ['2024-03-10', '2024-11-03']],
  // St John's went back at 00:01: 23:01 to 00:00 of the day before occur twice.
  ['America/St_Johns', ['2010-03-14', '2010-11-06', '2010-11-07', '2011-03-13']],
  ['Europe/London', ['2024-03-31', '2024-10-27', '2024-07-01']],
];

for (const [zone, days] of cases) {
  test(`${zone}: every minute of ${days.join(', ')} reads as the runtime's zone data says (none in a gap, the earlier of two, the later as later)`, (t) => {
    const parser = new TimeParser(zone);
    const walls: number[] = [];
    for (const day of days) for (let m = 0; m < 1440; m++) walls.push(Date.parse(`${day}T00:00:00Z`) + m * 60_000);
    // Scrambled, so that a day's cached offset is read on other days' turns.
    walls.sort((a, b) => ((a / 60_000) * 7919) % 1009 - ((b / 60_000) * 7919) % 1009);
    let twice = 0;
    let gap = 0;
    for (const wall of walls) {
      const s = text(wall);
      const got = parser.parse(s, 0, s.length);
      const want = instants(zone, wall);
      if (want.length === 2) twice++;
      if (want.length === 0) gap++;
      const same = (a: number, b: number | undefined): boolean => a === b || (Number.isNaN(a) && b === undefined);
      if (!same(got, want[0]) || !same(parser.later, want[1])) {
        t.fail(`${s}: got ${got} (later ${parser.later}), want ${JSON.stringify(want)}`);
        return;
      }
    }
    // The change days did hold a gap and a repeated stretch (the reference is not blind to them).
    t.true(twice > 0 && gap > 0, `twice ${twice}, gap ${gap}`);
  });
}
