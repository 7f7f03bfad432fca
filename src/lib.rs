//! greenroom: a developer portal in the terminal. The library is the pure core (catalog, search)
//! plus the layers around it; `main.rs` only starts it. `docs/ARCHITECTURE.md` draws the flow
//! and says which module may use which.

pub mod apidef;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod demo;
pub mod format;
pub mod insights;
pub mod notices;
pub mod providers;
pub mod scaffolder;
pub mod search;
pub mod sources;
pub mod techdocs;
pub mod tui;
