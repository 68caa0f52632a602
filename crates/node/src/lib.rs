//! The N-API binding of barstream-core: thin wrappers that convert, call the core and map errors.
//! It holds no market logic; see `barstream-core` for the behaviour.

// napi-derive registers nothing in a test build, so every binding looks unused there.
#![cfg_attr(test, allow(dead_code))]

mod bar;
mod columns;
mod error;
mod indicators;
mod interval;
mod memory;
mod quality;
mod store;
