//! Insights: what the catalog and the live data say together. Scorecards (rules declared in a
//! TOML file), DORA's four key metrics, the platform maturity assessment, and cost per team and
//! per service. Each is a computation over the catalog and provider data; the vendor I/O lives in
//! `providers`.

pub mod cost;
pub mod dora;
pub mod maturity;
pub mod scorecard;
