//! `outlet` grades China's grassroots public employment-service outlets against the 2025 national
//! guideline 《基层公共就业服务网点分类分级建设工作指引》.
//!
//! Data flows one way: [`inventory`] reads outlets, [`eval`] assesses each against the
//! [`rulebook`], [`report`] renders the assessments. The rulebook is data (YAML under `rules/`);
//! Rust implements only the condition language.

pub mod cli;
pub mod divisions;
pub mod eval;
pub mod example;
pub mod files;
pub mod inventory;
pub mod pipeline;
pub mod problem;
pub mod report;
pub mod rulebook;
pub mod suggest;
pub mod text;
pub mod waiver;
