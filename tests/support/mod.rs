//! Helpers shared by integration tests: a loopback HTTP server and fake vendor APIs on it, the
//! binary run as a user runs it (in a shell or in tmux), and the TUI driven in memory.
#![allow(dead_code)]

pub mod aws;
pub mod backstage;
pub mod binary;
pub mod catalog;
pub mod definitions;
pub mod faults;
pub mod files;
pub mod fixture_api;
pub mod github;
pub mod hostile;
pub mod http_server;
pub mod pagerduty;
pub mod process;
pub mod provider;
pub mod tmux;
pub mod tui;
pub mod vendor_errors;
