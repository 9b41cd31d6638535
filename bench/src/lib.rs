//! Measuring meshc at scale: generated workspaces of N services ([`workload`]), and the floor
//! they are compared with ([`floor`]): the same Istio objects built directly and written by
//! the same writer, with no parsing or checking.

pub mod floor;
pub mod workload;
