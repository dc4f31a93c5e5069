#!/usr/bin/env bash
# Installs the project's seccomp profiles (deploy/k8s/seccomp/NAME.json, exported by
# `sandboxctl profile export NAME`) as the kubelet's Localhost profiles
# /var/lib/kubelet/seccomp/profiles/acgs-NAME.json, so that a pod can ask for
#   seccompProfile: {type: Localhost, localhostProfile: profiles/acgs-enhanced.json}
# Idempotent: a profile already installed with the same content is left alone.
#
# Usage: install-seccomp-profiles.sh [--check] [--dest DIR] [--source DIR]
#   --check   report missing or outdated profiles, change nothing; exit 1 if any
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$here/../k8s/seccomp"
dest_dir=/var/lib/kubelet/seccomp/profiles
check=0

while (($#)); do
  case "$1" in
    --check) check=1 ;;
    --dest) dest_dir="${2:?--dest needs a directory}"; shift ;;
    --source) source_dir="${2:?--source needs a directory}"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "install-seccomp-profiles.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

shopt -s nullglob
profiles=("$source_dir"/*.json)
if ((${#profiles[@]} == 0)); then
  echo "install-seccomp-profiles.sh: no *.json profiles in $source_dir; run it from a checkout of the repository" >&2
  exit 2
fi

missing=0
for profile in "${profiles[@]}"; do
  name="$(basename "$profile" .json)"
  target="$dest_dir/acgs-$name.json"
  if cmp -s "$profile" "$target"; then
    echo "ok: $target"
  elif ((check)); then
    echo "missing: $target (differs from $profile or absent)"
    missing=1
  else
    install -D -m 0644 "$profile" "$target"
    echo "installed: $target"
  fi
done
exit "$missing"
