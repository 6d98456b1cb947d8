#!/bin/sh
# Installs what the audit tests need beyond Rust, for `.ci/run` (Debian, as root):
#   rsyslog     tests/audit_syslog.rs runs private rsyslogds (stock parser, imfile) as collector and SIEM
#   chromium    tests/audit_report.rs renders the HTML report headless and runs axe-core in it
#   util-linux  flock(1) holds the log's lock from another process, setpriv(1) runs the hook as
#               nobody (tests/audit_faults.rs)
#   axe-core    the accessibility checker (npm), into target/ci-tools (or $HOOKGUARD_TOOLS_DIR)
#   @anthropic-ai/claude-agent-sdk + typescript (npm, pinned, into $tools/sdk-types, without the
#               SDK's optional Claude Code binaries): tests/settings_sdk_types.rs checks the
#               settings snippets and what `install` writes against the SDK's `Settings` type;
#               ajv (same place): tests/policy_schema.rs validates policies against our schema
#   time        GNU time reports the peak resident set of the largest events (tests/bounds.rs)
#   bubblewrap, socat  Claude Code's Bash sandbox on Linux, which `hookguard install` turns on
#               (C19); the e2e sandbox scenarios and doctor's sandbox check need them
# Then run the tests with HOOKGUARD_REQUIRE_TOOLS=1 so a missing tool fails instead of skipping.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${HOOKGUARD_TOOLS_DIR:-$root/target/ci-tools}

need=""
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || need="$need rsyslog"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
{ command -v flock && command -v setpriv; } >/dev/null 2>&1 || need="$need util-linux"
command -v npm >/dev/null 2>&1 || need="$need npm"
command -v bwrap >/dev/null 2>&1 || need="$need bubblewrap"
command -v socat >/dev/null 2>&1 || need="$need socat"
[ -x /usr/bin/time ] || need="$need time"
if [ -n "$need" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
fi

if [ ! -f "$tools/node_modules/axe-core/axe.min.js" ]; then
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" axe-core@4
fi
# --- settings files against the Agent SDK's `Settings` type (issue 18) ---
sdk_types=$tools/sdk-types
if [ ! -f "$sdk_types/node_modules/typescript/bin/tsc" ] \
    || [ ! -f "$sdk_types/node_modules/@anthropic-ai/claude-agent-sdk/sdk.d.ts" ] \
    || [ ! -f "$sdk_types/node_modules/ajv/dist/2020.js" ]; then
    mkdir -p "$sdk_types"
    npm install --silent --no-audit --no-fund --ignore-scripts --omit=optional --save-exact \
        --prefix "$sdk_types" @anthropic-ai/claude-agent-sdk@0.3.336 typescript@5.9.3 ajv@8.20.0
fi
echo "test tools ready: rsyslogd, chromium, flock, bwrap, socat, $tools/node_modules/axe-core, $sdk_types"
