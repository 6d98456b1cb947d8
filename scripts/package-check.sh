#!/usr/bin/env bash
# CI for distribution (issue 20, ADR 0020), called from one block of .ci/run:
#
#   1. cargo deny check licenses bans sources      (deny.toml: our own PR-09)
#   2. scripts/package.sh: the .deb, its SBOM and SHA256SUMS from the release binary
#   3. the SBOM validated against the CycloneDX schema, bound to the binary's SHA-256
#   4. the package's contents: paths, modes, owners, the conffile, no maintainer scripts
#   5. dpkg -i, --version, policy check, install --scope managed, doctor, uninstall, dpkg -r
#      (only the conffile is left), dpkg --purge: in a throw-away overlay of this machine's root,
#      so neither this machine's dpkg database nor its /etc/claude-code is touched
#   6. a second release build of the same commit in another directory gives the same SHA-256
#
# Tools are installed once, at pinned versions, into target/tools (scripts/tools.sh). Needs
# root (dpkg, the overlay) and Linux with overlayfs; on a glibc host the static binary.
#   NO_BUILD=1 scripts/package-check.sh     reuse the last release build for steps 2-5
#   NO_REPRO=1 scripts/package-check.sh     skip step 6 (the second release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/tools.sh
t0=$SECONDS
cleanup=()
trap 'rm -rf "${cleanup[@]}"' EXIT
step() { echo "-- $* ($((SECONDS - t0)) s)"; }
fail() { echo "package-check: $*" >&2; exit 1; }

step "tools"
tool cargo-deb "$CARGO_DEB_VERSION"
tool cargo-cyclonedx "$CARGO_CYCLONEDX_VERSION"
tool cargo-deny "$CARGO_DENY_VERSION"
sbom_validator
export PATH="$PWD/$TOOLS_ROOT/bin:$PATH"

step "cargo deny check licenses bans sources"
cargo deny --locked check licenses bans sources

step "package"
out=$(scripts/package.sh)
deb=$(ls "$out"/*.deb)
sbom=$(ls "$out"/*.cdx.json)
bin=$(ls "$out"/hookguard-*-*)
ls -l "$out"
(cd "$out" && sha256sum --check --strict SHA256SUMS)

step "SBOM"
"$TOOLS_ROOT/venv/bin/python" scripts/sbom.py validate "$sbom" "$bin" Cargo.lock

step "package contents"
contents=$(dpkg-deb --contents "$deb")
echo "$contents"
for want in \
    '-rwxr-xr-x (root/root|0/0) .* ./usr/bin/hookguard$' \
    '-rw-r--r-- (root/root|0/0) .* ./etc/hookguard/policy.toml$' \
    '-rw-r--r-- (root/root|0/0) .* ./usr/share/man/man1/hookguard.1.gz$' \
    '-rw-r--r-- (root/root|0/0) .* ./usr/share/man/man1/hookguard-install.1.gz$' \
    '-rw-r--r-- (root/root|0/0) .* ./usr/share/bash-completion/completions/hookguard$' \
    '-rw-r--r-- (root/root|0/0) .* ./usr/share/zsh/vendor-completions/_hookguard$' \
    '-rw-r--r-- (root/root|0/0) .* ./usr/share/fish/vendor_completions.d/hookguard.fish$'; do
    grep -qE -- "$want" <<<"$contents" || fail "the package has no line matching: $want"
done
ctl=$(mktemp -d); cleanup+=("$ctl")
dpkg-deb --control "$deb" "$ctl"
ls "$ctl"
[ "$(cat "$ctl/conffiles")" = /etc/hookguard/policy.toml ] || fail "conffiles is not just /etc/hookguard/policy.toml"
for s in preinst postinst prerm postrm config; do
    [ ! -e "$ctl/$s" ] || fail "the package has a maintainer script ($s); it must register nothing by itself"
done
rm -rf "$ctl"
x=$(mktemp -d); cleanup+=("$x")
dpkg-deb --extract "$deb" "$x"
cmp "$x/usr/bin/hookguard" "$bin" || fail "the packaged binary is not the release binary"
rm -rf "$x"

step "install, use, remove and purge the package (in an overlay of /)"
head=$(git rev-parse HEAD)
etc_before=$(ls -la /etc/hookguard /etc/claude-code 2>&1 || true)
sandbox=$(mktemp -d); cleanup+=("$sandbox")
cp "$deb" "$sandbox/hookguard.deb"
cat > "$sandbox/inside.sh" <<'INSIDE'
set -euo pipefail
fail() { echo "package-check (installed): $*" >&2; exit 1; }
head=$1 upper=$2
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset XDG_CONFIG_HOME XDG_STATE_HOME CLAUDE_CONFIG_DIR
! dpkg -s hookguard >/dev/null 2>&1 || fail "hookguard is already installed here"
[ ! -e /etc/claude-code/managed-settings.json ] || fail "/etc/claude-code/managed-settings.json already exists"
dpkg -i /hookguard-check/hookguard.deb
v=$(hookguard --version); echo "$v"
case "$v" in *"commit $head,"*) ;; *) fail "--version does not name commit $head" ;; esac
[ "$(stat -c '%U:%G %a' /etc/hookguard /etc/hookguard/policy.toml)" = "root:root 755
root:root 644" ] || fail "/etc/hookguard is not root-owned 0755 with a 0644 policy"
check=$(hookguard policy check); head -n 5 <<<"$check"
grep -q '^#   managed: /etc/hookguard/policy.toml$' <<<"$check" || fail "policy check did not load the managed policy"
man -w hookguard-install >/dev/null 2>&1 || [ -f /usr/share/man/man1/hookguard-install.1.gz ] || fail "no man page"
hookguard install --scope managed --profile production
grep -q '/usr/bin/hookguard' /etc/claude-code/managed-settings.json || fail "the managed settings do not run /usr/bin/hookguard"
cd "$(mktemp -d)"
if ! hookguard doctor | tee /tmp/doctor.txt; then
    fail "doctor found a problem with the managed install"
fi
grep -qi 'managed' /tmp/doctor.txt || fail "doctor did not report the managed registration"
hookguard uninstall --scope managed
dpkg -r hookguard
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' hookguard)" = "rc " ] || fail "after dpkg -r, hookguard is not in state rc (config-files)"
left=$(dpkg-query -L hookguard | while read -r f; do [ -d "$f" ] || echo "$f"; done)
[ "$left" = /etc/hookguard/policy.toml ] || fail "dpkg still lists more than the conffile: $left"
[ -f /etc/hookguard/policy.toml ] || fail "dpkg -r removed the conffile"
for f in /usr/bin/hookguard /usr/share/man/man1/hookguard.1.gz /usr/share/bash-completion/completions/hookguard \
    /usr/share/zsh/vendor-completions/_hookguard /usr/share/fish/vendor_completions.d/hookguard.fish /usr/share/doc/hookguard; do
    [ ! -e "$f" ] || fail "$f is left after dpkg -r"
done
# Only the registration goes: the hardening rules that name /etc/hookguard (permissions.deny) are
# the administrator's to keep, as `uninstall` says.
python3 - <<'PY' || fail "the managed registration is left"
import json, sys
doc = json.load(open("/etc/claude-code/managed-settings.json"))
sys.exit(1 if "hookguard" in json.dumps(doc.get("hooks", {})) else 0)
PY
# Every file written since the overlay began (its upper layer), less dpkg's own records and
# logs, man-db's cache, what `uninstall --scope managed` keeps on purpose (its backup, and the
# managed settings without hookguard) and root's home (hookguard's own state: audit log,
# install backups): only the conffile, not one of the package's files.
written=$(cd "$upper" && find . -type f | sed 's|^\.||' | grep -vE '^/(var/lib/dpkg|var/log|var/cache/man|etc/claude-code|root)/' | sort)
echo "written and left after dpkg -r: $written"
[ "$written" = /etc/hookguard/policy.toml ] || fail "more than the conffile is left after dpkg -r: $written"
dpkg --purge hookguard
[ ! -e /etc/hookguard ] || fail "/etc/hookguard is left after dpkg --purge"
echo "installed, used, removed (conffile kept) and purged"
INSIDE
# A private mount namespace with / as the lower layer of an overlay whose upper layer is a
# tmpfs: dpkg and hookguard write there, and it all goes when the namespace ends.
unshare --mount --propagation private bash -euo pipefail -c '
    s=$1; head=$2
    mount -t tmpfs tmpfs "$s/ovl" 2>/dev/null || { mkdir -p "$s/ovl"; mount -t tmpfs tmpfs "$s/ovl"; }
    mkdir "$s/ovl/upper" "$s/ovl/work" "$s/ovl/root"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$s/ovl/upper,workdir=$s/ovl/work" "$s/ovl/root"
    for d in proc sys dev; do mount --rbind "/$d" "$s/ovl/root/$d"; done
    mount -t tmpfs tmpfs "$s/ovl/root/tmp"
    mkdir -p "$s/ovl/root/hookguard-check"
    mount --rbind "$s" "$s/ovl/root/hookguard-check"
    chroot "$s/ovl/root" bash /hookguard-check/inside.sh "$head" /hookguard-check/ovl/upper
' package-check "$sandbox" "$head"
rm -rf "$sandbox"
! dpkg -s hookguard >/dev/null 2>&1 || fail "hookguard leaked into this machine's dpkg database"
[ "$(ls -la /etc/hookguard /etc/claude-code 2>&1 || true)" = "$etc_before" ] ||
    fail "/etc/hookguard or /etc/claude-code on this machine changed"

if [ -z "${NO_REPRO:-}" ]; then
    step "reproducible build: the same commit in another directory"
    [ -z "$(git status --porcelain --untracked-files=no)" ] ||
        fail "the working tree has changes; commit them, so that both builds are of one commit"
    other=$(mktemp -d /tmp/hookguard-repro.XXXXXX); cleanup+=("$other")
    git clone --quiet --no-hardlinks . "$other/src"
    git -C "$other/src" checkout --quiet --detach "$head"
    start=$SECONDS
    other_bin="$other/src/$( (cd "$other/src" && scripts/release-build.sh) )"
    echo "second release build: $((SECONDS - start)) s"
    a=$(sha256sum < "$bin" | cut -d' ' -f1)
    b=$(sha256sum < "$other_bin" | cut -d' ' -f1)
    echo "$a  $bin"
    echo "$b  $other_bin"
    for p in "$PWD" "$other" "${CARGO_HOME:-$HOME/.cargo}"; do
        ! grep -qaF "$p" "$bin" || fail "the release binary embeds the path $p"
    done
    rm -rf "$other"
    [ "$a" = "$b" ] || fail "two release builds of $(git rev-parse HEAD) differ"
fi
step "done"
