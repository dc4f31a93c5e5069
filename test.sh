#!/usr/bin/env bash
# Runs every test: unit tests (*Test) and integration tests against real runsc and runc (*IT).
# Installs what the tests need first (./setup.sh --no-sample), so it works on a fresh Debian host.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./setup.sh --no-sample
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[[ -x "$JAVA_HOME/bin/java" ]] || JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
./mvnw -B verify "$@"
