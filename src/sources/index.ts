/**
 * Sources: what the session coordinator reads bars from.
 *
 * - Historical data is columnar ({@link ColumnarSource}): `Float64Array`s per symbol, never an
 *   object per bar. {@link columnsSource} (in memory), {@link csvSource} (files),
 *   {@link syntheticSource} (generated).
 * - Live data is a stream of bar objects ({@link StreamSource}): {@link iterableSource} wraps any
 *   (async) iterable, {@link mergeStreams} merges several in time order (a live run reads the
 *   merge as its bars arrive).
 * - Time slices (every bar with the same time across symbols): {@link timeSlices} /
 *   {@link forEachSlice} over columns, {@link streamSlices} over a stream.
 *
 * No source silently drops bars (`websocketFeed` counts and reports the messages it cannot pass on;
 * see its docs), and none reorders them unless asked (`order: 'time'` on the column and CSV
 * sources). Out-of-order and invalid bars are passed on; the native core rejects them and counts
 * each one.
 * @module
 */
export { COLUMN_NAMES } from './types.js';
export type { ColumnarSource, ColumnName, LeftOutRows, LoadRequest, Source, SourceLosses, StreamSource, SymbolBar, SymbolColumns } from './types.js';
export { columnsSource } from './columns.js';
export type { ColumnsSource, ColumnsSourceOptions, RowOrder } from './columns.js';
export { csvSource, symbolFromFileName } from './csv.js';
export type { CsvLoadReport, CsvSource, CsvSourceOptions, CsvStreamInput, BadRow } from './csv.js';
export type { DateOrder, EpochUnit } from './fields.js';
export { iterableSource, mergeStreams, streamSlices } from './stream.js';
export type { StreamSlice } from './stream.js';
export { forEachSlice, timeSlices } from './slices.js';
export type { SliceCallback, SymbolTimes, TimeSlice, TimeSlices } from './slices.js';
export { syntheticSource } from './synthetic.js';
export type { SyntheticOptions, SyntheticSource } from './synthetic.js';
export { FeedError, WebSocketFeed, websocketFeed, type BadMessage, type BadMessageReason, type ClosedInfo, type ConnectedInfo, type DisconnectedInfo, type FeedErrorCode, type FeedMessage, type FeedState, type InvalidCounts, type ReconnectInfo, type ReconnectingInfo, type ReconnectOptions, type StallInfo, type SubscribeContext, type SymbolLastTime, type WebSocketFeedEvents, type WebSocketFeedOptions, type WebSocketFeedStatus } from './websocket.js';
