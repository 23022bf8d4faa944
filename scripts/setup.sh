#!/usr/bin/env bash
# Installs everything Upkeep's demo and tests need on a Debian 12 machine with
# Node 20, and nothing when it is already there: Debian packages (the servers
# the tests start, Chromium, Java + Maven, the toolchain code-server builds
# with), the npm packages, code-server into ~/.cache/upkeep, and Neo4j's test
# harness with APOC from Maven Central. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
log() { echo "setup: $* ($((SECONDS - started)) s)" >&2; }

pkgs=(
  postgresql postgresql-contrib redis-server rabbitmq-server
  docker.io busybox-static
  chromium
  openjdk-17-jdk-headless maven
  g++ make python3 pkg-config libkrb5-dev ripgrep
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund >/dev/null
fi

log "code-server"
bash scripts/install-code-server.sh >/dev/null

if [[ ! -f test/services/neo4j/target/classpath.txt || test/services/neo4j/pom.xml -nt test/services/neo4j/target/classpath.txt ]]; then
  log "Neo4j harness and APOC (Maven)"
  mvn -q -B -f test/services/neo4j/pom.xml package dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=target/classpath.txt
fi
log "ready"
