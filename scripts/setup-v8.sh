#!/usr/bin/env bash
# Unpack Debian's libnode (Node 18, V8 10.2) into a project-local folder for the `v8`
# feature of wasmbench-runtimes (backends v8-liftoff, v8-turbofan, v8-default, v8-js).
#
#   scripts/setup-v8.sh            unpack into $WASMBENCH_LIBNODE_DIR or <repo>/.tools/libnode
#
# Idempotent: does nothing when the folder is already complete. Prints the folder.
#
# Why not `apt-get install libnode-dev`: it conflicts with a preinstalled Node 20 package,
# and the `v8` crate (rusty_v8) downloads a prebuilt library at build time, which is not
# possible offline. So the .deb files are fetched with `apt-get download` (no root needed
# for that step, no system change) and unpacked with `dpkg-deb -x`. The library's other
# dependencies (libuv1, libicu72, libssl3, libbrotli1, zlib1g, libnghttp2-14, ...) are
# ordinary bookworm packages; missing ones are reported at the end (install them with apt).
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
DEST="${WASMBENCH_LIBNODE_DIR:-$ROOT/.tools/libnode}"
PACKAGES=(libnode108 libnode-dev libc-ares2)
# Written after a complete unpack; runtimes/build.rs watches it (keep the names in step).
STAMP=.wasmbench-setup-done

complete() {
    [[ -f "$DEST/usr/include/node/v8-version.h" ]] \
        && compgen -G "$DEST/usr/lib/x86_64-linux-gnu/libnode.so*" >/dev/null \
        && compgen -G "$DEST/usr/lib/x86_64-linux-gnu/libcares.so*" >/dev/null
}

lib_dir() {
    local so
    so="$(find "$DEST/usr/lib" -name 'libnode.so*' -print -quit)"
    dirname "$so"
}

if ! complete; then
    if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
        echo "setup-v8: needs a Debian/Ubuntu system (apt-get, dpkg-deb)" >&2
        exit 1
    fi
    # Refresh the package lists only when apt does not know the packages yet.
    if ! apt-cache show "${PACKAGES[@]}" >/dev/null 2>&1; then
        if [[ $(id -u) -eq 0 ]]; then
            apt-get update -qq
        else
            sudo apt-get update -qq
        fi
    fi
    tmp="$(mktemp -d)"
    chmod 755 "$tmp"   # apt-get download runs as user _apt where it can
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download -qq "${PACKAGES[@]}")
    mkdir -p "$DEST"
    for deb in "$tmp"/*.deb; do
        dpkg-deb -x "$deb" "$DEST"
    done
    # libnode-dev ships the unversioned libnode.so symlink; check it resolves.
    if ! complete; then
        echo "setup-v8: unpacking did not produce libnode + headers in $DEST" >&2
        exit 1
    fi
    # The unpacked files keep their packaged (years old) modification times, which cargo
    # cannot tell from files that were there all along: runtimes/build.rs watches this
    # fresh stamp instead, so that a build made before this script picks V8 up.
    date -u +%FT%TZ > "$DEST/$STAMP"
elif [[ ! -f "$DEST/$STAMP" ]]; then
    # Complete but unpacked by an older version of this script (or by hand).
    date -u +%FT%TZ > "$DEST/$STAMP"
fi

LIB="$(lib_dir)"
# Report shared-library dependencies of libnode that the system cannot resolve.
missing="$(LD_LIBRARY_PATH="$LIB" ldd "$LIB/libnode.so.108" 2>/dev/null | awk '/not found/ {print $1}' || true)"
if [[ -n "$missing" ]]; then
    echo "setup-v8: libnode needs libraries that are not installed (apt-get install them):" >&2
    echo "$missing" >&2
    exit 1
fi
echo "$DEST"
