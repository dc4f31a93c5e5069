#!/usr/bin/env bash
# Runs every test: unit tests (*Test) and integration tests against real runsc and runc (*IT).
# Installs what the tests need first (./setup.sh --no-sample, then Prometheus and Alertmanager, shellcheck
# and kubectl), so it works on a fresh Debian host.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
./setup.sh --no-sample
# the monitoring tests run Debian's Prometheus, promtool, Alertmanager and amtool (not started as services)
monitoring=(prometheus prometheus-alertmanager)
missing=()
for p in "${monitoring[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# the Kubernetes deployment tests run shellcheck on deploy/node and `kubectl kustomize` on deploy/k8s;
# Debian's kubernetes-client conflicts with other kubectl packages, so only when no kubectl is on PATH
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v kubectl >/dev/null || missing+=(kubernetes-client)
if ((${#missing[@]})); then
  echo "==> installing ${missing[*]} (apt-get) for the monitoring and deployment tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[[ -x "$JAVA_HOME/bin/java" ]] || JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
./mvnw -B verify "$@"
