#!/bin/sh
# Installs a released stigmer binary and verifies its SHA-256 sum before it is
# made executable. Usage:
#   curl -fsSL <release>/install.sh | sh
#   STIGMER_VERSION=v0.1.0 STIGMER_INSTALL_DIR=$HOME/.local/bin sh install.sh
# STIGMER_INSTALL_BASE_URL overrides where binaries are downloaded from (mirrors, tests).
set -eu

version=${STIGMER_VERSION:-latest}
repo=${STIGMER_REPO:-stigmer/stigmer-deno}
dir=${STIGMER_INSTALL_DIR:-$HOME/.stigmer/bin}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-gnu ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  *) echo "stigmer: no release for $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac

if [ -n "${STIGMER_INSTALL_BASE_URL:-}" ]; then
  base=$STIGMER_INSTALL_BASE_URL
elif [ "$version" = latest ]; then
  base="https://github.com/$repo/releases/latest/download"
else
  base="https://github.com/$repo/releases/download/$version"
fi

name="stigmer-$target"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL "$1" -o "$2"; else wget -q "$1" -O "$2"; fi
}

fetch "$base/$name" "$tmp/$name"
fetch "$base/$name.sha256" "$tmp/$name.sha256"

expected=$(cut -d' ' -f1 < "$tmp/$name.sha256")
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$tmp/$name" | cut -d' ' -f1)
else
  actual=$(shasum -a 256 "$tmp/$name" | cut -d' ' -f1)
fi
if [ "$expected" != "$actual" ]; then
  echo "stigmer: checksum mismatch for $name (expected $expected, got $actual); not installed" >&2
  exit 1
fi

mkdir -p "$dir"
chmod +x "$tmp/$name"
mv "$tmp/$name" "$dir/stigmer"
echo "stigmer installed to $dir/stigmer"
case ":$PATH:" in *":$dir:"*) ;; *) echo "add it to your PATH: export PATH=\"$dir:\$PATH\"" ;; esac
