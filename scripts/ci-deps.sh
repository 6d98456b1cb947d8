#!/bin/sh
# Installs what the audit tests need beyond Rust, for `.ci/run` (Debian, as root):
#   rsyslog     tests/audit_syslog.rs starts a private rsyslogd and checks RFC 5424 delivery
#   chromium    tests/audit_report.rs renders the HTML report headless and runs axe-core in it
#   util-linux  flock(1) holds the log's lock from another process, setpriv(1) runs the hook as
#               nobody (tests/audit_faults.rs)
#   axe-core    the accessibility checker (npm), into target/ci-tools (or $HOOKGUARD_TOOLS_DIR)
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
if [ -n "$need" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
fi

if [ ! -f "$tools/node_modules/axe-core/axe.min.js" ]; then
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" axe-core@4
fi
echo "test tools ready: rsyslogd, chromium, flock, bwrap, socat, $tools/node_modules/axe-core"
