#!/usr/bin/env bash
# Sets up the ACGS Sandbox Controller on a Debian/Ubuntu host and runs a sample agent task in gVisor.
#
#   ./setup.sh              install what is missing, build, build the default image, run the sample
#   ./setup.sh --no-sample  the same without the sample run (used by ./test.sh and CI)
#
# Needs root (apt-get, cgroups, namespaces) and a JDK 25 (JAVA_HOME, or Temurin 25 in /usr/lib/jvm).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

sample=1
for arg in "$@"; do
  case "$arg" in
    --no-sample) sample=0 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: run as root (sudo ./setup.sh): sandboxes need cgroups and namespaces, and packages are installed with apt-get" >&2
  exit 1
fi

if [[ -z "${JAVA_HOME:-}" || ! -x "${JAVA_HOME}/bin/java" ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk; do
    if [[ -x "$candidate/bin/java" ]]; then JAVA_HOME=$candidate; break; fi
  done
fi
if [[ -z "${JAVA_HOME:-}" || ! -x "${JAVA_HOME}/bin/java" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
  echo "setup.sh: a JDK 25 is needed: install Temurin 25 (https://adoptium.net) and set JAVA_HOME to it" >&2
  exit 1
fi
export JAVA_HOME

packages=(runsc runc mmdebstrap gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "setup.sh: missing ${missing[*]} and no apt-get: install them with your package manager" >&2
    exit 1
  fi
  step "installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "building sandboxctl (./mvnw package)"
./mvnw -B -q -DskipTests package

step "checking this host (sandboxctl doctor)"
./sandboxctl doctor --no-smoke | grep -v 'default image' || true

step "building the default image once (Debian bookworm + python3 + busybox, about a minute)"
./sandboxctl image build --if-missing

if ((sample)); then
  step "running a sample agent task in gVisor: sandboxctl run --timings -i -- python3 - < examples/agent_task.py"
  ./sandboxctl run --runtime gvisor --timings -i -- python3 - < examples/agent_task.py
  printf '\nReady. Try:  ./sandboxctl run -- python3 -c "print(6*7)"    (./sandboxctl --help for more)\n'
fi
