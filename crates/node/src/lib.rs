//! The N-API binding of barstream-core: thin wrappers that convert, call the core and map errors.
//! It holds no market logic; see `barstream-core` for the behaviour.

mod error;
mod store;
