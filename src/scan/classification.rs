//! The classification levels the marking scanner reports: the same type the policy declares
//! (`crate::classification::Classification`), so both sides compare like for like with `>`.

pub use crate::classification::Classification;
