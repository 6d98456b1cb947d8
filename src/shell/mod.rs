//! The shell analyser: understands a Bash command the way bash would run it.
//!
//! Pipeline position: `event` → **shell** → controls. [`analyse`] parses the command
//! ([`parser`]), walks the tree resolving words as bash would ([`word`], [`analyser`]), peels
//! wrappers off each simple command ([`wrappers`]), and runs the program-knowledge tables
//! ([`programs`]) over the result. What it cannot know makes the command opaque: a finding with
//! rule `shell.opaque`, never a pass.

pub mod ast;
pub mod glob;
pub mod parser;
pub mod word;
