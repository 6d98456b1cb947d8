#!/usr/bin/env bash
# Builds the release binary as it is deployed and prints its path on stdout.
#
# On a *-linux-gnu host the binary is linked statically against glibc (ADR 0011): no dynamic
# loader runs on each hook call (about a third of a typical call's instructions), and nothing in
# the agent's environment (LD_PRELOAD, LD_LIBRARY_PATH) can load code into the guard. The target
# is named explicitly so that `+crt-static` reaches only this binary, not the proc-macros that
# build it. Elsewhere it is the ordinary `cargo build --release`.
#
# The build is reproducible (ADR 0020): the same commit built in another directory, at another
# time gives a byte-identical binary (scripts/package-check.sh proves it in CI).
# Cargo passes this crate's own sources as relative paths; the registry's sources are mapped to
# /cargo so that no home directory is embedded; SOURCE_DATE_EPOCH is the commit's time for any
# tool that would stamp one. The flags do not depend on the directory, so cargo gives both
# builds the same symbol hashes.
#
#   scripts/release-build.sh          # prints target/<host>/release/hookguard
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
cargo_home=${CARGO_HOME:-$HOME/.cargo}
RUSTFLAGS="${RUSTFLAGS:-} --remap-path-prefix=$(cd "$cargo_home" 2>/dev/null && pwd -P || echo "$cargo_home")=/cargo --remap-path-prefix=$cargo_home=/cargo"
export RUSTFLAGS
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
case "$host" in
  *-linux-gnu)
    RUSTFLAGS="$RUSTFLAGS -C target-feature=+crt-static" \
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
