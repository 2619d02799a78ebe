//! `outlet` grades China's grassroots public employment-service outlets against the 2025 national
//! guideline 《基层公共就业服务网点分类分级建设工作指引》.
//!
//! Data flows one way: [`inventory`] reads outlets, [`eval`] assesses each against the
//! [`rulebook`], [`report`] renders the assessments, and `cli` (the `outlet` binary) puts them
//! together. The rulebook is data (YAML under `rules/`); Rust implements only the condition
//! language.
//!
//! # The library
//!
//! The types re-exported here are the public API: load a [`Rulebook`], open an [`Inventory`],
//! [`Evaluator::assess`] each [`Outlet`], and read its [`Assessment`]; write reports with
//! [`report::Writer`]. `examples/library.rs` grades an inventory this way:
//!
//! ```no_run
//! use outlet::{Evaluator, Input, Inventory, Rulebook};
//!
//! let book = Rulebook::builtin()?;
//! let as_of: jiff::civil::Date = "2025-11-30".parse()?;
//! let mut inventory = Inventory::open(&Input::Path("台账.csv".into()), None, &book)?;
//! inventory.set_as_of(Some(as_of));
//! let evaluator = Evaluator::new(&book, as_of);
//! let mut problems = Vec::new();
//! while let Some(outlet) = inventory.next_outlet(&mut problems)? {
//!     let a = evaluator.assess(&outlet);
//!     println!("{} {:?} (minimum {})", outlet.id, a.assessed, a.minimum);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The modules marked hidden in the documentation serve the binary, the tests and the fuzz
//! targets; they may change in any release.

// Pedantic lints kept allowed (`cargo clippy -- -W clippy::pedantic`, issue 18), here rather than
// in Cargo.toml's `[lints]`, which the command line's `-W clippy::pedantic` would override.
#![allow(
    clippy::must_use_candidate,
    reason = "the library serves one binary and its tests: a result made is used where it is made"
)]
#![allow(
    clippy::missing_errors_doc,
    reason = "errors are typed enums (InventoryError, RulebookError) documented where declared"
)]
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    reason = "counts (at most 100,000), fields (16,384) and row numbers (below 2^53) are bounded \
              where input enters; a cast of unchecked input uses try_from"
)]

pub mod eval;
pub mod inventory;
pub mod problem;
pub mod report;
pub mod rulebook;
pub mod text;
pub mod waiver;

#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod divisions;
#[doc(hidden)]
pub mod example;
#[doc(hidden)]
pub mod files;
#[doc(hidden)]
pub mod pipeline;
#[doc(hidden)]
pub mod suggest;
mod table;

pub use eval::{Assessment, Evaluator, Status};
pub use inventory::{Input, InputFormat, Inventory, InventoryError, Outlet, Value};
pub use problem::{Problem, Severity};
pub use rulebook::{Rulebook, RulebookError};
pub use text::Lang;
pub use waiver::Waivers;
