#!/usr/bin/env bash
# Installs code-server (VS Code's server build: the real workbench and
# extension host) into a cache folder outside the repo, for the extension-host
# and e2e tests and the demo. Idempotent: a finished, healthy install is only
# reported. Safe to run concurrently (a lock serialises installs).
#
# Usage: scripts/install-code-server.sh
#   env UPKEEP_CACHE   cache root (default: $HOME/.cache/upkeep)
#   env UPKEEP_VERBOSE=1  stream npm output instead of logging it to a file
# Prints the absolute path of code-server's entry script as the LAST line of
# stdout (run it with `node <entry.js> ...`); progress goes to stderr.
#
# code-server 4.100.3 (VS Code 1.100.3) is the last release that runs on
# Node 20. Its install scripts refuse to run as root and download binaries
# from the internet, which these machines cannot reach, so they are skipped
# and the native parts are built here from source instead (Debian toolchain,
# Node headers from /usr/include/node, ripgrep from Debian).
set -euo pipefail

VERSION=4.100.3
CACHE="${UPKEEP_CACHE:-$HOME/.cache/upkeep}"
DIR="$CACHE/code-server-$VERSION"
CS="$DIR/node_modules/code-server"
VSC="$CS/lib/vscode"
ENTRY="$CS/out/node/entry.js"
MARKER="$DIR/.upkeep-installed"
LOG="$CACHE/code-server-$VERSION.log"
LOCK="$CACHE/code-server-$VERSION.lock"

say() { echo "install-code-server: $*" >&2; }
die() { say "error: $*"; exit 1; }

# The marker records what the native modules were built against; a different
# Node ABI (e.g. another Node major) means a rebuild.
stamp() { echo "code-server=$VERSION node-abi=$(node -p process.versions.modules) arch=$(uname -m)"; }
healthy() { [[ -f "$MARKER" && -f "$ENTRY" && "$(cat "$MARKER")" == "$(stamp)" ]]; }

command -v node >/dev/null || die "node is not on PATH"
[[ "$(node -p 'process.versions.node.split(".")[0]')" == 20 ]] ||
  die "code-server $VERSION needs Node 20, found $(node -v)"

if healthy; then
  echo "$ENTRY"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$LOCK"
if ! flock -n 9; then
  say "another install is running; waiting for it"
  flock 9
fi
if healthy; then # the other install finished it
  echo "$ENTRY"
  exit 0
fi

# --- Debian packages: toolchain for the native modules, krb5 headers for
# kerberos, and ripgrep for VS Code's search.
need_pkgs=()
for p in g++ make python3 pkg-config libkrb5-dev ripgrep; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "missing Debian packages: ${need_pkgs[*]} (as root: apt-get install -y ${need_pkgs[*]})"
    sudo=(sudo -n)
  fi
  say "installing Debian packages: ${need_pkgs[*]}"
  # Another apt/dpkg may be running: wait for its locks instead of failing.
  apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  for i in $(seq 1 60); do
    "${sudo[@]}" apt-get "${apt_opts[@]}" update -qq >&2 && break
    ((i < 60)) || die "apt-get update kept failing"
    say "apt-get update failed (lock held?); retrying in 10s"
    sleep 10
  done
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${need_pkgs[@]}" >&2
fi
RG=/usr/bin/rg
[[ -x $RG ]] || RG="$(command -v rg)" || die "ripgrep (rg) not found"

# --- npm settings for every step.
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
export npm_config_progress=false
# node-pty's build runs `npx node-gyp`; the user npmrc has yes=false, so allow it.
export npm_config_yes=true
# node-gyp downloads Node's headers unless told where they are; use the ones
# installed with Node itself (e.g. /usr/include/node) so builds work offline.
if [[ -z "${npm_config_nodedir:-}" ]]; then
  nodedir="$(cd "$(dirname "$(readlink -f "$(command -v node)")")/.." && pwd)"
  [[ -f "$nodedir/include/node/common.gypi" ]] && export npm_config_nodedir="$nodedir"
fi
[[ -n "${npm_config_nodedir:-}" || -d "$HOME/.cache/node-gyp/$(node -p process.versions.node)" ]] ||
  say "warning: no Node headers found (install the Node dev headers); native builds may try to download them"

# npm output goes to a log (shown on failure), unless UPKEEP_VERBOSE=1.
if [[ "${UPKEEP_VERBOSE:-}" == 1 ]]; then
  run() { "$@" >&2; }
else
  : >"$LOG"
  run() {
    echo "+ (cd $PWD && $*)" >>"$LOG"
    if ! "$@" >>"$LOG" 2>&1 </dev/null; then
      say "failed: $* (in $PWD); last lines of $LOG:"
      tail -n 40 "$LOG" >&2
      return 1
    fi
  }
fi

started=$SECONDS
say "installing code-server $VERSION into $DIR (takes a minute or two; log: $LOG)"
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
echo '{"name":"upkeep-code-server","private":true}' >package.json
# Skip scripts: code-server's postinstall refuses root and would fetch binaries.
run npm install --ignore-scripts --no-save "code-server@$VERSION"
[[ -f "$ENTRY" ]] || die "npm did not install $ENTRY"

say "installing VS Code's server dependencies"
cd "$VSC"
run npm install --omit=dev --ignore-scripts
# @vscode/ripgrep's postinstall downloads rg unless the binary is already there.
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$RG" node_modules/@vscode/ripgrep/bin/rg
say "building VS Code's native modules (node-pty, spdlog, kerberos, ...)"
run npm rebuild
# What code-server's postinstall would do besides installing.
ln -sfn node_modules node_modules.asar
ln -sfn code-linux.sh bin/remote-cli/code-server
ln -sfn browser-linux.sh bin/helpers/browser.sh

say "installing the built-in extensions' dependencies"
cd "$VSC/extensions"
run npm install --omit=dev --ignore-scripts

say "building argon2"
# argon2 is hoisted to $DIR/node_modules; rebuild just it, so code-server's
# own postinstall (which would fail) is not run.
cd "$DIR"
run npm rebuild argon2

# Check the native modules load rather than trusting exit codes.
cd "$CS"
for m in argon2 "$VSC/node_modules/node-pty" "$VSC/node_modules/@vscode/spdlog" \
  "$VSC/node_modules/kerberos" "$VSC/node_modules/native-watchdog"; do
  node -e 'require(process.argv[1])' "$m" 2>>"$LOG" ||
    die "native module $m does not load (see $LOG)"
done
[[ -x "$VSC/node_modules/@vscode/ripgrep/bin/rg" ]] || die "ripgrep is missing"

stamp >"$MARKER"
say "done in $((SECONDS - started))s"
echo "$ENTRY"
