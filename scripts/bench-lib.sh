# Shared by scripts/bench.sh and scripts/scale.sh (sourced, not run): which binary to measure,
# and which hyperfine can time it.

# Sets BIN to the binary as deployed: scripts/release-build.sh (static on linux-gnu, ADR 0011);
# BIN=… to measure another one; NO_BUILD=1 takes the last build (static if there is one).
pick_binary() {
    if [ -z "${BIN:-}" ]; then
        local host
        host=$(rustc -vV | sed -n 's/^host: //p')
        if [ -n "${NO_BUILD:-}" ]; then
            BIN=target/$host/release/hookguard
            [ -x "$BIN" ] || BIN=target/release/hookguard
        elif [ -x scripts/release-build.sh ]; then
            BIN=$(scripts/release-build.sh)
        else
            cargo build --release --quiet
            BIN=target/release/hookguard
        fi
    fi
    BIN=$(realpath "$BIN")
    echo "binary: $BIN" >&2
}

# Sets HF to a hyperfine that can feed stdin to a command run without a shell (-N, --input):
# $HYPERFINE, target/tools/bin/hyperfine, then the one on PATH; empty if none has --input.
find_hyperfine() {
    HF=
    local c
    for c in "${HYPERFINE:-}" target/tools/bin/hyperfine "$(command -v hyperfine || true)"; do
        if [ -n "$c" ] && [ -x "$c" ] && "$c" --help 2>/dev/null | grep -q -- '--input'; then
            HF=$c
            return
        fi
    done
}
