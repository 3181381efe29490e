//! The browser edge: thin modules that turn JS events into the pure core's data and the
//! core's decisions into browser calls. Nothing here does arithmetic or parsing.

pub mod socket;
