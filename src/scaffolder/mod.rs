//! The Scaffolder: Backstage `scaffolder.backstage.io/v1beta3` templates read from the catalog,
//! their forms, and the engine that runs their steps. Pure apart from the actions that write files
//! or call GitHub/Backstage, which only run in a real (not dry) run.

pub mod actions;
pub mod form;
pub mod launch;
pub mod model;
mod options;
pub mod remote;
pub mod run;
pub mod template;
pub mod workspace;

pub use model::{Output, Step, Template};
