//! Cost data from the vendors: AWS Cost Explorer ([`aws`]) and FOCUS CSV exports ([`focus`]),
//! each read row by row into a [`RowSink`]. Summing the rows per team and service, and mapping
//! them to the catalog, is the insights' part (`insights::cost`).

pub mod aws;
pub mod focus;
mod model;

pub use model::{parse_amount, CostError, Micros, RowSink, Settings, Window};
