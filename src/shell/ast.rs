//! The syntax tree of a shell command, as the parser builds it and the analyser walks it.
//!
//! The tree keeps every construct that can run a program or touch a file: lists, pipelines,
//! compound commands, function definitions, redirections (with their fd), assignments and the
//! parts of every word (quotes, parameter expansions, command, process and arithmetic
//! substitutions). Words are kept unexpanded: `word.rs` resolves them with the analyser's state.

/// A parsed command line: the top-level list and the bodies of its here-documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub body: List,
    /// Here-document bodies, indexed by [`RedirTarget::HereDoc`].
    pub heredocs: Vec<HereDoc>,
}

/// Commands separated by `;`, `&` or newlines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List {
    pub items: Vec<ListItem>,
}

/// One and-or list and whether a trailing `&` runs it in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub and_or: AndOr,
    pub background: bool,
}

/// Pipelines joined by `&&` and `||`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

/// `&&` or `||`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

/// Commands joined by `|` or `|&`, optionally negated with `!` or timed with `time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub negated: bool,
    pub timed: bool,
    pub commands: Vec<Command>,
}

/// One command of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Simple(SimpleCmd),
    Compound(Box<Compound>, Vec<Redirect>),
    FunctionDef { name: String, body: Box<Command> },
}

/// Assignments, words and redirections, in any order in the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleCmd {
    pub assignments: Vec<Assignment>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

/// `NAME=value`, `NAME+=value` or `NAME=(a b c)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub append: bool,
    pub value: AssignValue,
}

/// The right-hand side of an assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignValue {
    Scalar(Word),
    Array(Vec<Word>),
}

/// Compound commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compound {
    Subshell(List),
    Group(List),
    If {
        branches: Vec<(List, List)>,
        otherwise: Option<List>,
    },
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: List,
    },
    ArithFor {
        header: Word,
        body: List,
    },
    While {
        cond: List,
        body: List,
    },
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, List)>,
    },
    /// `(( expression ))`.
    Arith(Word),
    /// `[[ expression ]]`, kept as words.
    Cond(Vec<Word>),
}

/// A redirection: `[fd]op target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub fd: Option<RedirFd>,
    pub op: RedirOp,
    pub target: RedirTarget,
}

/// The file descriptor a redirection names: `2>` or `{var}>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirFd {
    Number(u32),
    Var(String),
}

/// Redirection operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`
    In,
    /// `>`
    Out,
    /// `>>`
    Append,
    /// `>|`
    Clobber,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupIn,
    /// `>&`
    DupOut,
    /// `&>`
    OutErr,
    /// `&>>`
    AppendOutErr,
    /// `<<` or `<<-`
    HereDoc,
    /// `<<<`
    HereString,
}

impl RedirOp {
    /// Whether the target is opened for writing.
    pub fn writes(self) -> bool {
        matches!(
            self,
            RedirOp::Out
                | RedirOp::Append
                | RedirOp::Clobber
                | RedirOp::ReadWrite
                | RedirOp::OutErr
                | RedirOp::AppendOutErr
        )
    }

    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            RedirOp::In => "<",
            RedirOp::Out => ">",
            RedirOp::Append => ">>",
            RedirOp::Clobber => ">|",
            RedirOp::ReadWrite => "<>",
            RedirOp::DupIn => "<&",
            RedirOp::DupOut => ">&",
            RedirOp::OutErr => "&>",
            RedirOp::AppendOutErr => "&>>",
            RedirOp::HereDoc => "<<",
            RedirOp::HereString => "<<<",
        }
    }
}

/// What a redirection points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirTarget {
    Word(Word),
    /// Index into [`Script::heredocs`].
    HereDoc(usize),
}

/// A here-document body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HereDoc {
    pub delimiter: String,
    /// A quoted delimiter turns expansion off in the body.
    pub quoted: bool,
    /// The body; expansions only when the delimiter was unquoted.
    pub body: Word,
}

/// A word, as a sequence of parts that resolve separately.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<WordPart>,
}

/// A part of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordPart {
    /// Unquoted text: subject to brace expansion, tilde expansion and globbing.
    Lit(String),
    /// Text protected by quoting (`'..'`, `\x`, `$'..'`, or literal text inside `".."`).
    Quoted(String),
    /// `".."` (and `$".."`): parts inside are not split or globbed.
    Double(Vec<WordPart>),
    /// `$name`, `${...}`.
    Param(Param),
    /// `$(...)` or backticks.
    CommandSub(Box<Script>),
    /// `<(...)` (input) or `>(...)` (output).
    ProcessSub { output: bool, body: Box<Script> },
    /// `$(( ... ))`: the expression, which may hold substitutions.
    Arith(Word),
}

/// A parameter expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    /// Written `${...}` rather than `$name`: a following `{a,b}` cannot extend the name.
    pub braced: bool,
    /// `${name[index]}`, the index as written.
    pub index: Option<String>,
    pub op: ParamOp,
}

/// What a parameter expansion does with the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamOp {
    Plain,
    /// `${#name}`
    Length,
    /// `${!name}`
    Indirect,
    /// `${name:-word}` (colon) or `${name-word}`.
    Default {
        colon: bool,
        word: Word,
    },
    /// `${name:=word}`
    Assign {
        colon: bool,
        word: Word,
    },
    /// `${name:+word}`
    Alternative {
        colon: bool,
        word: Word,
    },
    /// `${name:?word}`
    Error {
        colon: bool,
        word: Word,
    },
    /// Any other operator (`#`, `%`, `/`, `^`, `:offset`, `@Q`, ...): the value is unknown,
    /// but the word is kept because substitutions inside it still run.
    Other {
        op: String,
        word: Word,
    },
}

impl Word {
    /// A word made of one unquoted literal.
    pub fn lit(s: &str) -> Word {
        Word {
            parts: vec![WordPart::Lit(s.to_string())],
        }
    }

    /// The text if the word is one unquoted literal (used for reserved words).
    pub fn as_plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Lit(s)] => Some(s),
            _ => None,
        }
    }
}
