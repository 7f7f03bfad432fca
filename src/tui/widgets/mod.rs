//! The pieces the panes are drawn with, so that a pane is mostly its data mapped to rows: the
//! bordered panel, charts, page lines (detail text), tables, trees, the yes/no question, where a list's
//! preview goes, and the list cursor they scroll by.

pub mod chart;
pub mod confirm;
pub mod cursor;
pub mod detail;
pub mod layout;
pub mod panel;
pub mod table;
pub mod tree;
