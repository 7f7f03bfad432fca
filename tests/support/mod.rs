//! Helpers shared by integration tests: a loopback HTTP server and fake vendor APIs on it.
#![allow(dead_code)]

pub mod aws;
pub mod backstage;
pub mod binary;
pub mod faults;
pub mod fixture_api;
pub mod github;
pub mod http_server;
pub mod pagerduty;
