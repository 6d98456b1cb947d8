#!/usr/bin/env bash
# Builds the release binary as it is deployed and prints its path on stdout.
#
# On a *-linux-gnu host the binary is linked statically against glibc (ADR 0011): no dynamic
# loader runs on each hook call (about a third of a typical call's instructions), and nothing in
# the agent's environment (LD_PRELOAD, LD_LIBRARY_PATH) can load code into the guard. The target
# is named explicitly so that `+crt-static` reaches only this binary, not the proc-macros that
# build it. Elsewhere it is the ordinary `cargo build --release`.
#
#   scripts/release-build.sh          # prints target/<host>/release/hookguard
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
  *-linux-gnu)
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
      cargo build --release --locked --target "$host" >&2
    bin="target/$host/release/hookguard"
    # glibc's name-service functions (getaddrinfo, getpwnam, ...) cannot work from a static
    # binary: they load shared modules at run time. hookguard must not call any of them.
    if nm "$bin" | grep -E ' [TtWw] (getaddrinfo|gethostbyname[_0-9a-z]*|getpw(nam|uid)(_r)?|getgr(nam|gid)(_r)?|getservbyname[_a-z]*)$' >&2; then
      echo "release-build: $bin links a glibc name-service function (above); a static binary cannot use it" >&2
      exit 1
    fi
    if readelf -d "$bin" | grep -q '(NEEDED)'; then
      echo "release-build: $bin still needs shared libraries (readelf -d)" >&2
      exit 1
    fi
    ;;
  *)
    cargo build --release --locked >&2
    bin="target/release/hookguard"
    ;;
esac
echo "$bin"
