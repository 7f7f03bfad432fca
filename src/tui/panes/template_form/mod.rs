//! A template's form in the terminal: its pages of fields (from `scaffolder::form`), edited in
//! place, checked as the user types, a page left only when it is valid, then a review page with
//! secrets masked. Field values live in one JSON object, as the CLI's `--values` file has them.
//!
//! The form's state and its values are in `model.rs`; moving through rows, pages and the review
//! in `update.rs`; typing a field in `editing.rs`; the choice and entity-picker lists in
//! `popup.rs`; drawing in `draw.rs`.

mod draw;
mod editing;
mod model;
mod popup;
mod update;

pub use model::{Popup, Question, RepoPart, Row, Stage, TemplateForm};
