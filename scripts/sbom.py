#!/usr/bin/env python3
"""The release binary's SBOM: bind it to the binary, and validate it.

    sbom.py bind SBOM BINARY COMMIT ROOT
                                       add the binary's SHA-256 and the commit to the SBOM's
                                       metadata.component (cargo-cyclonedx describes the crate,
                                       not the file), and write the checkout directory ROOT in
                                       its references as /hookguard, in place
    sbom.py validate SBOM BINARY LOCK  validate against the CycloneDX JSON schema of the
                                       SBOM's specVersion (strict: no unknown properties), and
                                       check that it names the binary's SHA-256 and every
                                       crate the binary is built from (Cargo.lock)

`validate` needs cyclonedx-python-lib with its JSON validator
(packaging/sbom-validator-requirements.txt). It also proves that the validator can fail: a
copy of the SBOM with a property the schema forbids must be rejected.
"""
import hashlib
import json
import sys
import tomllib


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def bind(sbom_path, binary, commit, root):
    with open(sbom_path) as f:
        text = f.read()
    # No build directory in what is shipped: `path+file:///work/x#hookguard@0.1.0` is
    # `path+file:///hookguard#hookguard@0.1.0` wherever it was built.
    text = text.replace(json.dumps("file://" + root.rstrip("/"))[1:-1], "file:///hookguard")
    bom = json.loads(text)
    comp = bom["metadata"]["component"]
    comp["hashes"] = [{"alg": "SHA-256", "content": sha256(binary)}]
    props = [p for p in comp.get("properties", []) if p.get("name") != "hookguard:commit"]
    props.append({"name": "hookguard:commit", "value": commit})
    comp["properties"] = props
    if root.rstrip("/") in json.dumps(bom):
        sys.exit(f"sbom: the build directory {root} is still in {sbom_path}")
    with open(sbom_path, "w") as f:
        json.dump(bom, f, indent=2, sort_keys=False)
        f.write("\n")


def validate(sbom_path, binary, lock_path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = open(sbom_path).read()
    bom = json.loads(text)
    assert bom.get("bomFormat") == "CycloneDX", "not a CycloneDX document"
    version = SchemaVersion["V" + bom["specVersion"].replace(".", "_")]
    validator = JsonStrictValidator(version)
    errors = validator.validate_str(text, all_errors=True)
    if errors is not None:
        for e in errors:
            print(f"sbom: schema error: {e}", file=sys.stderr)
        sys.exit(f"sbom: {sbom_path} is not valid CycloneDX {bom['specVersion']}")
    # The validator must be able to say no.
    broken = json.loads(text)
    broken["metadata"]["component"]["not-a-cyclonedx-field"] = True
    if validator.validate_str(json.dumps(broken)) is None:
        sys.exit("sbom: the validator accepted a document the schema forbids")

    comp = bom["metadata"]["component"]
    want = sha256(binary)
    got = [h["content"] for h in comp.get("hashes", []) if h.get("alg") == "SHA-256"]
    if got != [want]:
        sys.exit(f"sbom: metadata.component SHA-256 {got} is not the binary's {want}")

    # Every crate in Cargo.lock that the release binary links (not the dev-dependencies, which
    # the SBOM rightly leaves out) appears with its exact version.
    listed = {(c["name"], c["version"]) for c in bom.get("components", [])}
    listed.add((comp["name"], comp["version"]))
    with open(lock_path, "rb") as f:
        lock = tomllib.load(f)
    locked = {(p["name"], p["version"]) for p in lock["package"]}
    for must in ["ring", "regex", "clap", "serde_json", "toml", "clap_mangen", "clap_complete"]:
        if not any(n == must for n, _ in listed):
            sys.exit(f"sbom: no component for `{must}`")
    unknown = listed - locked
    if unknown:
        sys.exit(f"sbom: components not in Cargo.lock: {sorted(unknown)}")
    for c in bom.get("components", []):
        if not c.get("purl", "").startswith("pkg:cargo/"):
            sys.exit(f"sbom: {c['name']} has no cargo purl")
    print(
        f"sbom: {sbom_path} is valid CycloneDX {bom['specVersion']}: "
        f"{len(bom.get('components', []))} components, binary SHA-256 {want}"
    )


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"bind": bind, "validate": validate}[cmd](*args)
