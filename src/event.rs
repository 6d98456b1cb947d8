//! The hook event Claude Code writes to stdin: every field optional, unknown fields ignored.
//!
//! First stage of the pipeline (`stdin ─► event ─► normalise ─► controls ─► decision`). The
//! client adds fields without notice (`prompt_id`, `effort`, `mcp_server` all arrived that way),
//! so nothing here uses `deny_unknown_fields`, and a missing field is never an error by itself:
//! the controls decide what an absent value means, and they decide it closed.

use serde::Deserialize;
use serde_json::Value;

/// Largest event accepted on stdin. The client sends one JSON line; a 2 MB Write arrives as
/// 2 MB to PreToolUse and 4 MB to PostToolUse, so 64 MiB leaves ample room while bounding
/// memory against a runaway or hostile writer.
pub const MAX_EVENT_BYTES: u64 = 64 * 1024 * 1024;

/// One hook event, as sent by Claude Code (`BaseHookInput` plus each event's own fields).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Event {
    pub hook_event_name: Option<String>,
    pub session_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub transcript_path: Option<String>,
    pub cwd: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub prompt_id: Option<String>,
    pub permission_mode: Option<String>,
    pub agent_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub agent_type: Option<String>,

    // Tool events.
    pub tool_name: Option<String>,
    #[serde(deserialize_with = "one_copy")]
    pub tool_input: Option<Value>,
    pub tool_use_id: Option<String>,
    #[serde(deserialize_with = "one_copy")]
    pub tool_response: Option<Value>,
    #[serde(deserialize_with = "lenient")]
    pub duration_ms: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub error: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub is_interrupt: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub mcp_server: Option<McpServer>,

    // Prompts.
    pub prompt: Option<String>,

    // Session and configuration events.
    #[serde(deserialize_with = "lenient")]
    pub source: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub reason: Option<String>,
    pub file_path: Option<String>,
}

/// `tool_input` and `tool_response`: exactly what `serde_json` makes of them, built without its
/// second copy of every large string (`crate::onecopy`). The text is borrowed from the event,
/// validated by `serde_json`; small values, and anything the one-copy builder does not take,
/// go to `serde_json` itself.
fn one_copy<'de, D>(d: D) -> Result<Option<Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let Some(raw) = Option::<&'de serde_json::value::RawValue>::deserialize(d)? else {
        return Ok(None);
    };
    let text = raw.get();
    if text.len() >= crate::onecopy::MIN_BYTES
        && let Some(v) = crate::onecopy::parse(text)
    {
        return Ok(Some(v));
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// Fields that inform the audit record but decide nothing: a value of an unexpected type is
/// treated as absent rather than failing the whole event, so schema drift in a field such as
/// `duration_ms` cannot turn every PostToolUse into an error. Fields that decide (`tool_name`,
/// `tool_input`, `cwd`, `hook_event_name`, `prompt`) stay strict: a wrong type there is unusable
/// input, and unusable input is a deny.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// The MCP server behind an `mcp__…` tool, as the client reports it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct McpServer {
    pub name: Option<String>,
    pub source: Option<String>,
}

/// The events hookguard treats specially; everything else is audited and left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    PreToolUse,
    PostToolUse,
    PostToolUseFailure,
    UserPromptSubmit,
    SessionStart,
    ConfigChange,
    /// SessionEnd, Stop, PermissionDenied and any event this version does not know.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("the hook event is larger than {} MiB", MAX_EVENT_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the hook event could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the hook event is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the hook event is not a JSON object")]
    NotAnObject,
    #[error(
        "the hook event holds more than {} JSON values, more than hookguard builds in memory",
        crate::onecopy::MAX_VALUES
    )]
    TooManyValues,
}

impl Event {
    /// Parses one event. The input must be a JSON object; each field is optional.
    pub fn parse(bytes: &[u8]) -> Result<Event, EventError> {
        let trimmed = bytes.trim_ascii_start();
        if trimmed.first() != Some(&b'{') {
            // serde would happily give defaults for `null`; an event that is not an object
            // is unusable input, and unusable input is a deny.
            return Err(EventError::NotAnObject);
        }
        // Each JSON value costs about a hundred bytes once built, whatever its text: 52 MB of
        // one-character strings took 2.5 GB. Counted before anything is built (issue 16).
        if bytes.len() >= crate::onecopy::MAX_VALUES
            && crate::onecopy::values_over(bytes, crate::onecopy::MAX_VALUES)
        {
            return Err(EventError::TooManyValues);
        }
        if bytes.len() >= crate::onecopy::MIN_BYTES
            && let Some(ev) = Event::parse_one_copy(bytes)
        {
            return Ok(ev);
        }
        Event::parse_serde(bytes)
    }

    /// The event as `serde_json` reads it (large `tool_input` and `tool_response` through
    /// [`one_copy`]): the reference, and the answer whenever the one-pass reading declines.
    fn parse_serde(bytes: &[u8]) -> Result<Event, EventError> {
        Ok(serde_json::from_slice(bytes)?)
    }

    /// A large event read in one pass (`crate::onecopy::parse_object`): `serde_json` would
    /// first walk every byte of `tool_input` to find where it ends, then `onecopy` would walk
    /// them again to build it. The fields other than `tool_input` and `tool_response` are few
    /// and small, and are read by the same derived `Deserialize` from the object's values.
    /// `None` when anything is doubtful (invalid UTF-8, a repeated top-level key, anything the
    /// one-pass reader declines, a field of the wrong type): then [`Event::parse_serde`]
    /// decides, error message included. Property-tested to give `parse_serde`'s event.
    fn parse_one_copy(bytes: &[u8]) -> Option<Event> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut map = crate::onecopy::parse_object(text)?;
        // `Option<&RawValue>` reads `null` as absent: so does this.
        let mut take = |key: &str| map.remove(key).filter(|v| !v.is_null());
        let tool_input = take("tool_input");
        let tool_response = take("tool_response");
        let mut ev: Event = serde_json::from_value(Value::Object(map)).ok()?;
        ev.tool_input = tool_input;
        ev.tool_response = tool_response;
        Some(ev)
    }

    pub fn kind(&self) -> EventKind {
        match self.hook_event_name.as_deref() {
            Some("PreToolUse") => EventKind::PreToolUse,
            Some("PostToolUse") => EventKind::PostToolUse,
            Some("PostToolUseFailure") => EventKind::PostToolUseFailure,
            Some("UserPromptSubmit") => EventKind::UserPromptSubmit,
            Some("SessionStart") => EventKind::SessionStart,
            Some("ConfigChange") => EventKind::ConfigChange,
            _ => EventKind::Other,
        }
    }

    pub fn name(&self) -> &str {
        self.hook_event_name.as_deref().unwrap_or("")
    }

    pub fn tool(&self) -> &str {
        self.tool_name.as_deref().unwrap_or("")
    }

    /// A string field of `tool_input`, if present and a string.
    pub fn input_str(&self, key: &str) -> Option<&str> {
        self.tool_input.as_ref()?.get(key)?.as_str()
    }

    /// A boolean field of `tool_input` (absent or not a boolean: `false`).
    pub fn input_bool(&self, key: &str) -> bool {
        self.tool_input
            .as_ref()
            .and_then(|i| i.get(key))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// The JSON type a field of `tool_input` must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Str,
    Bool,
    Object,
    /// An array of strings (WebSearch's domain lists).
    Strings,
    /// MultiEdit's `edits`: an array of objects with string `old_string` and `new_string`.
    Edits,
}

impl Want {
    fn name(self) -> &'static str {
        match self {
            Want::Str => "a string",
            Want::Bool => "a boolean",
            Want::Object => "an object",
            Want::Strings => "an array of strings",
            Want::Edits => "an array of edits, each with string `old_string` and `new_string`",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            Want::Str => v.is_string(),
            Want::Bool => v.is_boolean(),
            Want::Object => v.is_object(),
            Want::Strings => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Want::Edits => v.as_array().is_some_and(|a| {
                a.iter().all(|e| {
                    e.get("old_string").is_some_and(Value::is_string)
                        && e.get("new_string").is_some_and(Value::is_string)
                })
            }),
        }
    }
}

/// `true`: the field must be present; `false`: when present it must have this type.
type Field = (&'static str, Want, bool);

/// The fields of each tool's input that hookguard reads to decide, with the types the client's
/// own schema gives them (reference §2). Only these are checked: a field hookguard does not read
/// cannot change its decision, and checking it would turn schema drift into denials. The client
/// validates input against the same schema before PreToolUse fires (reference §7), so a call
/// the client really makes always passes.
fn tool_fields(tool: &str) -> &'static [Field] {
    use Want::*;
    match tool {
        "Bash" | "PowerShell" => &[("command", Str, true), ("run_in_background", Bool, false)],
        // Monitor runs `command` or watches `ws`; one of them is checked for below.
        "Monitor" => &[("command", Str, false), ("ws", Object, false)],
        "Read" => &[("file_path", Str, true)],
        "Write" => &[("file_path", Str, true), ("content", Str, true)],
        "Edit" => &[
            ("file_path", Str, true),
            ("old_string", Str, true),
            ("new_string", Str, true),
            ("replace_all", Bool, false),
        ],
        "MultiEdit" => &[("file_path", Str, true), ("edits", Edits, true)],
        // `new_source` is required except when a cell is deleted (checked below).
        "NotebookEdit" => &[
            ("notebook_path", Str, true),
            ("new_source", Str, false),
            ("edit_mode", Str, false),
        ],
        "Glob" => &[("pattern", Str, true), ("path", Str, false)],
        "Grep" => &[
            ("pattern", Str, true),
            ("path", Str, false),
            ("glob", Str, false),
        ],
        "LSP" => &[("filePath", Str, false)],
        "WebFetch" => &[("url", Str, true), ("prompt", Str, true)],
        "WebSearch" => &[
            ("query", Str, true),
            ("allowed_domains", Strings, false),
            ("blocked_domains", Strings, false),
        ],
        "Agent" | "Task" => &[
            ("prompt", Str, true),
            ("description", Str, false),
            ("run_in_background", Bool, false),
        ],
        "ListMcpResourcesTool" | "ReadMcpResourceTool" | "ReadMcpResourceDirTool" => {
            &[("server", Str, false)]
        }
        // MCP tools take free-form input: only "an object" is known about it.
        n if n.starts_with("mcp__") => &[],
        // A tool this version does not know: the path-like fields the exclusions (C2) read
        // must be paths.
        _ => &[
            ("file_path", Str, false),
            ("notebook_path", Str, false),
            ("filePath", Str, false),
            ("path", Str, false),
        ],
    }
}

/// An empty value for each field `tool` requires, for callers that build a call from one
/// argument (`explain -- Write PATH`): the call is then judged on that argument instead of
/// being refused as malformed.
pub fn required_placeholders(tool: &str) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for &(key, want, required) in tool_fields(tool) {
        if required {
            let empty = match want {
                Want::Str => Value::from(""),
                Want::Bool => Value::from(false),
                Want::Object => Value::Object(Default::default()),
                Want::Strings | Want::Edits => Value::Array(Vec::new()),
            };
            out.insert(key.to_string(), empty);
        }
    }
    if tool == "NotebookEdit" {
        out.insert("new_source".into(), Value::from(""));
    }
    out
}

/// A JSON value's type, for messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Event {
    /// Why this event cannot be judged as it stands, if that is so: no `hook_event_name`; a
    /// PreToolUse without a `tool_name`, or whose `tool_input` is not an object, or lacks (or
    /// mistypes) a field hookguard reads to decide ([`tool_fields`]); a UserPromptSubmit
    /// without a `prompt`. Such an event is refused, never deferred (CONTROLS.md "Failure is a
    /// decision"): a check that reads nothing finds nothing, and "found nothing" must not mean
    /// "allowed". Other events (PostToolUse, SessionStart, …) decide nothing from their shape
    /// and are not checked here.
    pub fn malformed(&self) -> Option<String> {
        if self.hook_event_name.as_deref().is_none_or(str::is_empty) {
            return Some("the hook event has no `hook_event_name`".into());
        }
        match self.kind() {
            EventKind::PreToolUse => self.malformed_tool_call(),
            EventKind::UserPromptSubmit if self.prompt.is_none() => {
                Some("the UserPromptSubmit event has no `prompt`".into())
            }
            _ => None,
        }
    }

    fn malformed_tool_call(&self) -> Option<String> {
        let tool = match self.tool_name.as_deref() {
            None | Some("") => return Some("the PreToolUse event has no `tool_name`".into()),
            Some(t) => t,
        };
        let input = match &self.tool_input {
            None => return Some(format!("the {tool} call has no `tool_input`")),
            Some(Value::Object(o)) => o,
            Some(v) => {
                return Some(format!(
                    "the {tool} call's `tool_input` is {}, not an object",
                    type_name(v)
                ));
            }
        };
        for &(key, want, required) in tool_fields(tool) {
            match input.get(key) {
                None if required => {
                    return Some(format!(
                        "the {tool} call has no `{key}` (it must be {})",
                        want.name()
                    ));
                }
                Some(v) if !want.accepts(v) => {
                    return Some(format!(
                        "the {tool} call's `{key}` is {}, not {}",
                        type_name(v),
                        want.name()
                    ));
                }
                _ => {}
            }
        }
        match tool {
            "Monitor" if !input.contains_key("command") && !input.contains_key("ws") => {
                Some("the Monitor call has neither `command` nor `ws`".into())
            }
            "NotebookEdit"
                if !input.contains_key("new_source")
                    && input.get("edit_mode").and_then(Value::as_str) != Some("delete") =>
            {
                Some("the NotebookEdit call has no `new_source` (it must be a string)".into())
            }
            _ => None,
        }
    }
}

/// Which family a tool belongs to. Names are matched exactly, as the client sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// Runs a shell command in `command`: Bash, PowerShell, Monitor.
    Shell,
    Read,
    /// Write, Edit, MultiEdit (old clients), NotebookEdit.
    Write,
    Grep,
    Glob,
    Lsp,
    WebFetch,
    WebSearch,
    /// `mcp__<server>__<tool>`, and the MCP resource tools that name a server.
    Mcp,
    /// Agent and its old name Task.
    Agent,
    Other,
}

impl ToolKind {
    pub fn of(name: &str) -> ToolKind {
        match name {
            "Bash" | "PowerShell" | "Monitor" => ToolKind::Shell,
            "Read" => ToolKind::Read,
            "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => ToolKind::Write,
            "Grep" => ToolKind::Grep,
            "Glob" => ToolKind::Glob,
            "LSP" => ToolKind::Lsp,
            "WebFetch" => ToolKind::WebFetch,
            "WebSearch" => ToolKind::WebSearch,
            "Agent" | "Task" => ToolKind::Agent,
            "ListMcpResourcesTool" | "ReadMcpResourceTool" | "ReadMcpResourceDirTool" => {
                ToolKind::Mcp
            }
            n if n.starts_with("mcp__") => ToolKind::Mcp,
            _ => ToolKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_tool_input_and_response_are_what_serde_json_reads() {
        // Over 64 KiB the values are built in one copy (crate::onecopy); the result must be
        // serde_json's, escapes, surrogate pairs and repeated keys included.
        let mut content = String::new();
        while content.len() < 200 * 1024 {
            content.push_str(r#"line \"quoted\" \\ tab\t é ✓ \ud83d\ude00 \u0041\n"#);
        }
        let text = format!(
            r#"{{"hook_event_name":"PostToolUse","tool_name":"Read","tool_input":{{"file_path":"/p/a","file_path":"/p/b","content":"{content}","n":[1,2.5,-3e-2]}},"tool_response":{{"type":"text","file":{{"content":"{content}","numLines":3}}}}}}"#
        );
        let e = Event::parse(text.as_bytes()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(e.tool_input.as_ref(), Some(&v["tool_input"]));
        assert_eq!(e.tool_response.as_ref(), Some(&v["tool_response"]));
        assert_eq!(e.input_str("file_path"), Some("/p/b"));
        // A lone surrogate is refused as serde_json refuses it.
        let bad = text.replacen(r"\ud83d\ude00", r"\ud83d", 1);
        assert_eq!(
            Event::parse(bad.as_bytes()).is_err(),
            serde_json::from_str::<Value>(&bad).is_err()
        );
    }

    /// A value for an event field: any JSON type, strings with escapes, small nestings.
    fn field_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-zA-Z0-9 _/.\\\n\t\"é✓\u{0}-\u{1f}]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 12, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("name|source|content|file_path|x", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// The one-pass reading of a large event, when it answers, gives exactly the event
        /// `serde_json` gives: any field of any type, repeated keys, broken text.
        #[test]
        fn one_pass_event_is_serde_json_s(
            fields in proptest::collection::vec(
                (
                    "hook_event_name|cwd|tool_name|tool_input|tool_response|duration_ms|\
                     is_interrupt|mcp_server|prompt|transcript_path|error|file_path|novel",
                    field_value(),
                ),
                0..8,
            ),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
            break_it in 0u8..4,
        ) {
            let mut text = String::from("{");
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&format!("{}:{}", Value::from(k.as_str()), v));
            }
            text.push('}');
            if break_it == 0 {
                // Cut somewhere (on a character boundary): mostly no longer JSON.
                let at = cut.index(text.len() + 1);
                let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                text.truncate(at);
            }
            let slow = Event::parse_serde(text.as_bytes());
            if let Some(fast) = Event::parse_one_copy(text.as_bytes()) {
                let slow = slow.map_err(|e| e.to_string());
                proptest::prop_assert!(slow.is_ok(), "{text}: one pass read it, serde_json: {slow:?}");
                proptest::prop_assert_eq!(format!("{fast:?}"), format!("{:?}", slow.unwrap()));
            }
        }
    }

    #[test]
    fn one_pass_leaves_repeated_fields_and_bad_text_to_serde_json() {
        for text in [
            r#"{"tool_name":"Read","tool_name":"Write"}"#,
            r#"{"novel":1,"novel":2}"#,
            r#"{"tool_name":42}"#,
            r#"{"tool_input":{"a":1},}"#,
            "{\"prompt\":\"\u{1}\"}",
        ] {
            assert!(Event::parse_one_copy(text.as_bytes()).is_none(), "{text}");
        }
        assert!(Event::parse_one_copy(b"{\"prompt\":\"\xff\"}").is_none());
        let big = format!(
            r#"{{"tool_name":"Write","tool_input":{{"content":"{}"}},"tool_name":"Read"}}"#,
            "x".repeat(100 * 1024)
        );
        let e = Event::parse(big.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("duplicate field `tool_name`"), "{e}");
        let ev = Event::parse_one_copy(br#"{"tool_input":null,"tool_response":null,"cwd":"/p"}"#)
            .unwrap();
        assert!(ev.tool_input.is_none() && ev.tool_response.is_none());
        assert_eq!(ev.cwd.as_deref(), Some("/p"));
    }

    #[test]
    fn unknown_fields_and_missing_fields_are_fine() {
        let e = Event::parse(br#"{"hook_event_name":"PreToolUse","novel":{"x":1}}"#).unwrap();
        assert_eq!(e.kind(), EventKind::PreToolUse);
        assert!(e.tool_name.is_none());
    }

    #[test]
    fn non_objects_are_refused() {
        assert!(Event::parse(b"null").is_err());
        assert!(Event::parse(b"[]").is_err());
        assert!(Event::parse(b"").is_err());
        assert!(Event::parse(b"{").is_err());
    }

    #[test]
    fn wrong_types_are_an_error_not_a_default() {
        assert!(Event::parse(br#"{"tool_name":42}"#).is_err());
    }

    #[test]
    fn informative_fields_tolerate_drift() {
        let e = Event::parse(br#"{"hook_event_name":"PostToolUse","duration_ms":"12"}"#).unwrap();
        assert!(e.duration_ms.is_none());
    }

    #[test]
    fn malformed_shapes_are_named_and_client_shapes_are_not() {
        let m = |text: &str| Event::parse(text.as_bytes()).unwrap().malformed();
        for (text, says) in [
            ("{}", "no `hook_event_name`"),
            (
                r#"{"hook_event_name":"PreToolUse","tool_input":{}}"#,
                "no `tool_name`",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"Bash"}"#,
                "no `tool_input`",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":"ls"}"#,
                "is a string, not an object",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":["ls"]}}"#,
                "`command` is an array",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"/p/a","content":null}}"#,
                "`content` is null",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"MultiEdit","tool_input":{"file_path":"/p/a","edits":[{"old_string":"a"}]}}"#,
                "array of edits",
            ),
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"Monitor","tool_input":{"timeout_ms":1}}"#,
                "neither",
            ),
            (r#"{"hook_event_name":"UserPromptSubmit"}"#, "no `prompt`"),
        ] {
            let got = m(text).unwrap_or_default();
            assert!(got.contains(says), "{text}: {got:?}");
        }
        for text in [
            r#"{"hook_event_name":"PreToolUse","tool_name":"ExitPlanMode","tool_input":{}}"#,
            r#"{"hook_event_name":"PreToolUse","tool_name":"mcp__s__t","tool_input":{"path":[1]}}"#,
            r#"{"hook_event_name":"PreToolUse","tool_name":"NotebookEdit","tool_input":{"notebook_path":"/p/n","edit_mode":"delete"}}"#,
            r#"{"hook_event_name":"PostToolUse","tool_name":"Bash"}"#,
            r#"{"hook_event_name":"SomethingNew"}"#,
        ] {
            assert_eq!(m(text), None, "{text}");
        }
        for tool in [
            "Write",
            "Edit",
            "MultiEdit",
            "NotebookEdit",
            "Grep",
            "WebFetch",
            "Agent",
        ] {
            let ev = Event {
                hook_event_name: Some("PreToolUse".into()),
                tool_name: Some(tool.into()),
                tool_input: Some(Value::Object(required_placeholders(tool))),
                ..Event::default()
            };
            assert_eq!(ev.malformed(), None, "{tool}");
        }
    }

    #[test]
    fn tool_families() {
        assert_eq!(ToolKind::of("Task"), ToolKind::Agent);
        assert_eq!(ToolKind::of("Monitor"), ToolKind::Shell);
        assert_eq!(ToolKind::of("mcp__github__create_issue"), ToolKind::Mcp);
        assert_eq!(ToolKind::of("bash"), ToolKind::Other);
        assert_eq!(ToolKind::of("MultiEdit"), ToolKind::Write);
    }
}
