/**
 * Market calendars: New York Stock Exchange (XNYS), a 24/7 UTC calendar and custom calendars,
 * yielding the shared {@link Session} type. See {@link Calendar}.
 * @module
 */
export { Calendar } from './calendar.js';
export type {
  CalendarSession,
  CustomCalendarOptions,
  CustomFunctionOptions,
  CustomListOptions,
  DateInput,
  Instant,
  LocalHours,
  LocalSession,
  XnysHours,
  XnysOptions,
} from './calendar.js';
