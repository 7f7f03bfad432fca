//! greenroom: a developer portal in the terminal. The library is the pure core (catalog, search)
//! plus the layers around it; `main.rs` only starts it.

pub mod apidef;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod cost;
pub mod demo;
pub mod dora;
pub mod fsutil;
pub mod maturity;
pub mod notices;
pub mod providers;
pub mod scaffolder;
pub mod scorecard;
pub mod search;
pub mod snapshot;
pub mod sources;
pub mod tui;
