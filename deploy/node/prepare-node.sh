#!/usr/bin/env bash
# Prepares a Kubernetes node (containerd) to run ACGS sandbox pods. Idempotent: run it again at any
# time; it only changes what is missing, and restarts containerd only when its config file changed.
#
#   gvisor (default): installs runsc and containerd-shim-runsc-v1 (gVisor's apt repository, or a pinned
#     release binary with --runsc-version), installs /etc/containerd/runsc.toml (debug log for the
#     controller's violation monitor, --oci-seccomp), MERGES the runsc runtime into containerd's config
#     (containerd-merge.py: a backup is kept, nothing else in the file changes), installs the Localhost
#     seccomp profiles, and labels the node sandbox=gvisor.
#   kata: does not install Kata (kata-deploy does, see the notes it prints); installs the seccomp
#     profiles and labels the node sandbox=kata.
#
# Usage: prepare-node.sh [--check] [--runtime gvisor|kata] [--runsc-version VERSION] [--containerd-config PATH]
#   --check                   report what is missing, change nothing; exit 1 if anything is missing
#   --runtime R               gvisor (default) or kata
#   --runsc-version VERSION   install this gVisor release (e.g. 20240729.0) from
#                             https://storage.googleapis.com/gvisor/releases/release/VERSION/ARCH/
#                             instead of the apt repository's current one
#   --containerd-config PATH  containerd's config file (default: /etc/containerd/config.toml)
# Labelling needs kubectl with access to the cluster and NODE_NAME set to this node's name; without
# them the command to run is printed instead.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=0
runtime=gvisor
runsc_version=""
containerd_config=/etc/containerd/config.toml
runsc_config=/etc/containerd/runsc.toml
keyring=/usr/share/keyrings/gvisor-archive-keyring.gpg
apt_list=/etc/apt/sources.list.d/gvisor.list
missing=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "prepare-node.sh: $*" >&2; exit 2; }
step() { echo "==> $*"; }
lacks() { echo "MISSING: $*"; missing=1; }

while (($#)); do
  case "$1" in
    --check) check=1 ;;
    --runtime) runtime="${2:-}"; shift ;;
    --runsc-version) runsc_version="${2:-}"; [[ -n "$runsc_version" ]] || die "--runsc-version needs a release such as 20240729.0"; shift ;;
    --containerd-config) containerd_config="${2:-}"; [[ -n "$containerd_config" ]] || die "--containerd-config needs a path"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
case "$runtime" in
  gvisor|kata) ;;
  *) die "--runtime must be gvisor or kata, not '$runtime'" ;;
esac
if ((!check)) && [[ "$(id -u)" != 0 ]]; then
  die "changing the node needs root: run it with sudo (or use --check to only look)"
fi

# --- gVisor ------------------------------------------------------------------------------------

# What of gVisor is missing (empty when everything is there, at the pinned release if one was asked for).
runsc_missing() {
  local lack=()
  command -v runsc >/dev/null || lack+=(runsc)
  command -v containerd-shim-runsc-v1 >/dev/null || lack+=(containerd-shim-runsc-v1)
  if ((${#lack[@]} == 0)) && [[ -n "$runsc_version" ]] && ! runsc --version 2>/dev/null | grep -q "release-$runsc_version"; then
    lack+=("runsc release $runsc_version (found: $(runsc --version 2>/dev/null | head -n1))")
  fi
  echo "${lack[*]}"
}

install_runsc_from_apt() {
  command -v apt-get >/dev/null || die "no apt-get here: install gVisor with --runsc-version VERSION (a release binary) instead"
  if ! command -v curl >/dev/null || ! command -v gpg >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ca-certificates curl gnupg >/dev/null
  fi
  if [[ ! -s "$keyring" ]]; then
    curl -fsSL https://gvisor.dev/archive.key | gpg --dearmor -o "$keyring"
  fi
  local line
  line="deb [arch=$(dpkg --print-architecture) signed-by=$keyring] https://storage.googleapis.com/gvisor/releases release main"
  if [[ "$(cat "$apt_list" 2>/dev/null)" != "$line" ]]; then
    echo "$line" >"$apt_list"
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runsc >/dev/null
}

install_runsc_release() {
  command -v curl >/dev/null || die "curl is needed to download gVisor $runsc_version"
  local url tmp
  url="https://storage.googleapis.com/gvisor/releases/release/$runsc_version/$(uname -m)"
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand $tmp now: it is local to this function
  trap "rm -rf '$tmp'" RETURN
  for f in runsc containerd-shim-runsc-v1; do
    curl -fsSL -o "$tmp/$f" "$url/$f" || die "cannot download $url/$f: is $runsc_version a gVisor release (see https://github.com/google/gvisor/releases)?"
    curl -fsSL -o "$tmp/$f.sha512" "$url/$f.sha512" || die "cannot download $url/$f.sha512"
  done
  (cd "$tmp" && sha512sum --quiet -c runsc.sha512 containerd-shim-runsc-v1.sha512) || die "checksum mismatch for gVisor $runsc_version downloads; nothing installed"
  install -m 0755 "$tmp/runsc" "$tmp/containerd-shim-runsc-v1" /usr/local/bin/
}

prepare_gvisor() {
  step "runsc and containerd-shim-runsc-v1${runsc_version:+ (release $runsc_version)}"
  local lack
  lack="$(runsc_missing)"
  if [[ -z "$lack" ]]; then
    echo "ok: $(runsc --version 2>/dev/null | head -n1)"
  elif ((check)); then
    lacks "$lack (not on PATH)"
  elif [[ -n "$runsc_version" ]]; then
    install_runsc_release
  else
    install_runsc_from_apt
  fi

  step "runsc options $runsc_config"
  if cmp -s "$here/runsc.toml" "$runsc_config"; then
    echo "ok: $runsc_config"
  elif ((check)); then
    lacks "$runsc_config absent or different from deploy/node/runsc.toml"
  else
    install -D -m 0644 "$here/runsc.toml" "$runsc_config"
    echo "installed: $runsc_config"
  fi
  ((check)) || install -d -m 0755 /var/log/runsc

  step "containerd runtime runsc in $containerd_config"
  command -v python3 >/dev/null || die "python3 (3.11+) is needed to merge containerd's config: apt-get install python3"
  if ((check)); then
    local rc=0
    python3 "$here/containerd-merge.py" --check --config "$containerd_config" --runsc-config "$runsc_config" || rc=$?
    case "$rc" in
      0) ;;
      1) lacks "runsc runtime in $containerd_config" ;;
      *) exit "$rc" ;; # the file cannot be used; containerd-merge.py said why
    esac
  else
    local before after
    before="$(sha256sum "$containerd_config" 2>/dev/null || echo absent)"
    python3 "$here/containerd-merge.py" --config "$containerd_config" --runsc-config "$runsc_config"
    after="$(sha256sum "$containerd_config")"
    if [[ "$before" != "$after" ]]; then
      if command -v systemctl >/dev/null; then
        echo "restarting containerd (its config changed)"
        systemctl restart containerd
      else
        echo "no systemctl here: restart containerd yourself so that it reads the new runtime"
      fi
    fi
  fi
}

# --- Kata ----------------------------------------------------------------------------------------

prepare_kata() {
  step "Kata Containers (installed by kata-deploy, not by this script)"
  cat <<'EOF'
kata-deploy (github.com/kata-containers/kata-containers, tools/packaging/kata-deploy) is a DaemonSet
that, on every node labelled katacontainers.io/kata-runtime=true ... (it sets that label itself):
  - copies the Kata binaries, guest kernel and image to /opt/kata;
  - adds one containerd runtime per hypervisor (runtime_type io.containerd.kata.v2), named
    kata-qemu, kata-clh, kata-fc (Firecracker), ... and restarts containerd;
  - with its RuntimeClasses manifest, creates RuntimeClasses of the same names.
Firecracker needs containerd's devmapper snapshotter configured on the node (kata-fc does not work
with overlayfs). deploy/k8s's RuntimeClass kata-firecracker uses handler "kata"; on a kata-deploy
node set it to "kata-fc". Kata disables seccomp inside the guest by default
(disable_guest_seccomp = true in configuration-fc.toml): the VM boundary is the isolation.
EOF
  if command -v containerd-shim-kata-v2 >/dev/null || [[ -x /opt/kata/bin/containerd-shim-kata-v2 ]]; then
    echo "ok: containerd-shim-kata-v2 found"
  elif ((check)); then
    lacks "containerd-shim-kata-v2 (run kata-deploy on this node)"
  else
    echo "note: containerd-shim-kata-v2 not found yet: run kata-deploy"
  fi
}

# --- common --------------------------------------------------------------------------------------

seccomp_profiles() {
  step "Localhost seccomp profiles"
  if ((check)); then
    "$here/install-seccomp-profiles.sh" --check || lacks "seccomp profiles in /var/lib/kubelet/seccomp/profiles"
  else
    "$here/install-seccomp-profiles.sh"
  fi
}

node_label() {
  local value="$runtime"
  step "node label sandbox=$value"
  if ! command -v kubectl >/dev/null || [[ -z "${NODE_NAME:-}" ]]; then
    echo "cannot reach the cluster from here (needs kubectl and NODE_NAME); run, with cluster access:"
    echo "  kubectl label node NODE sandbox=$value --overwrite"
    echo "and, to keep other workloads off this node (the RuntimeClass tolerates it):"
    echo "  kubectl taint node NODE sandbox=$value:NoSchedule"
    return 0
  fi
  local current
  current="$(kubectl get node "$NODE_NAME" -o jsonpath='{.metadata.labels.sandbox}')"
  if [[ "$current" == "$value" ]]; then
    echo "ok: $NODE_NAME has sandbox=$value"
  elif ((check)); then
    lacks "label sandbox=$value on node $NODE_NAME (has '${current}')"
  else
    kubectl label node "$NODE_NAME" "sandbox=$value" --overwrite
    echo "optional, to keep other workloads off this node: kubectl taint node $NODE_NAME sandbox=$value:NoSchedule"
  fi
}

if [[ "$runtime" == gvisor ]]; then
  prepare_gvisor
else
  prepare_kata
fi
seccomp_profiles
node_label

if ((check)); then
  if ((missing)); then
    echo "==> something is missing (above); run: sudo $0 --runtime $runtime"
    exit 1
  fi
  echo "==> this node is ready for $runtime sandboxes"
fi
