/**
 * barstream: market session data for Node.js. A Rust core stores bars in columns, aggregates
 * derived intervals and hands closed bars to JavaScript as zero-copy typed arrays.
 * @module
 */
export { SessionData } from './session-data.js';
export type {
  AppendManyOptions, AppendManyResult, BaseQuality, BatchRejection, Gap, GapSpan, IntervalQuality, SessionDataOptions, SliceColumns,
  SliceOutcome, StoreStats, SymbolQuality,
} from './session-data.js';
export { sessionOn } from './session.js';
export type { SessionHours } from './session.js';
export {
  BarstreamError,
  BarValidationError,
  ConfigError,
  InputError,
  InternalError,
  REJECT_CODES,
  SessionError,
} from './errors.js';
export type { ErrorCode, GivenBar, RejectCode, SessionErrorCode } from './errors.js';
export type { Bar, BarColumns, BarsView, Closed, Session, SessionInput } from './types.js';
export { OverrunError } from './errors.js';
export { Calendar } from './calendar/index.js';
export type { CalendarSession, CustomCalendarOptions, CustomFunctionOptions, CustomListOptions, DateInput, Instant, LocalHours, LocalSession, XnysHours, XnysOptions } from './calendar/index.js';
export * from './sources/index.js';
export { AnalysisEngine, BarEvent } from './runtime/engine.js';
export type { BarHandler, DeliveryObserver, PendingHandler, Subscription, SubscriptionSpec, SubscriberFailure } from './runtime/engine.js';
export { SessionCoordinator } from './runtime/coordinator.js';
export type { CoordinatorEvents, CoordinatorOptions, GapRecord, OverrunRecord, QualityTotals, RunReport, SessionCalendar } from './runtime/coordinator.js';
export type { Signal, Strategy, StrategyContext } from './cli/strategy.js';
export { DataProcessor } from './runtime/processor.js';
export type { ProcessorCounts } from './runtime/processor.js';
export { SimulatedClock, WallClock } from './runtime/clock.js';
export type { Clock } from './runtime/clock.js';
export { PerformanceMetrics } from './runtime/metrics.js';
export type { MetricsSnapshot, PerformanceMetricsOptions, StageRecorder, StageStats } from './runtime/metrics.js';
export { ReadySignal, ReadyTimeoutError, waitAll } from './runtime/ready.js';
export type { ReadyState, WaitOptions } from './runtime/ready.js';
export {
  Adx, Atr, BollingerBands, Cci, Ema, Macd, Mfi, Obv, Roc, Rsi, Sma, Stddev, Stochastic, Vwap, Wma,
  computeIndicator, computeIndicators, describeIndicator,
} from './indicators.js';
export type {
  BandsValue, BbandsConfig, IndicatorBar, ObvInput, IndicatorColumns, IndicatorConfig, IndicatorInfo, IndicatorKind, MacdConfig,
  MacdValue, PeriodConfig, PlainConfig, StddevConfig, StochConfig, StochValue,
  // The standalone classes' bases, to type a list of mixed indicators by.
  BarIndicator, StandaloneIndicator, ValueIndicator,
} from './indicators.js';
