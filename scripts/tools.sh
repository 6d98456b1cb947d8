# Sourced by the packaging scripts: installs the release tools once, at pinned versions, into
# target/tools (`cargo install --locked`, as scripts/bench.sh does for hyperfine), and skips
# a tool already there at that version. ADR 0020 says why each is used and what it costs.
TOOLS_ROOT=${TOOLS_ROOT:-target/tools}
CARGO_DEB_VERSION=3.8.0
CARGO_CYCLONEDX_VERSION=0.5.9
CARGO_DENY_VERSION=0.20.2

# tool NAME VERSION: makes $TOOLS_ROOT/bin/NAME that version.
tool() {
    local name=$1 version=$2
    if [ -x "$TOOLS_ROOT/bin/$name" ] &&
        grep -qF "\"$name $version (" "$TOOLS_ROOT/.crates.toml" 2>/dev/null; then
        return 0
    fi
    echo "installing $name $version into $TOOLS_ROOT (cargo install --locked, once)" >&2
    local start=$SECONDS
    cargo install --locked --quiet --root "$TOOLS_ROOT" "$name@$version" >&2
    echo "installed $name $version in $((SECONDS - start)) s" >&2
}

# The CycloneDX validator (PyPI cyclonedx-python-lib and its JSON-schema validator), every
# dependency pinned, in a virtualenv under $TOOLS_ROOT.
sbom_validator() {
    local venv=$TOOLS_ROOT/venv req=packaging/sbom-validator-requirements.txt
    if [ -x "$venv/bin/python" ] && cmp -s "$req" "$venv/requirements.txt"; then
        return 0
    fi
    echo "installing the CycloneDX validator into $venv (pip, pinned)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
    cp "$req" "$venv/requirements.txt"
}
