#!/usr/bin/env bash
# Installs everything berth needs on a fresh Debian/Ubuntu machine (as root): the system
# packages, the npm dependencies and the build; links `berth` onto PATH. With --no-start it
# stops there (CI); otherwise it then starts berth's main job, the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  runc crun conmon busybox-static   # OCI runtimes, the container monitor, a base image's payload
  catatonit                         # static init for `run --init` (podman only recommends it)
  podman skopeo                     # interop anchors used by the tests and benchmarks
  docker-registry                   # distribution's reference registry: interop test and registry bench
  etcd-server                       # the cluster datastore's etcd backend (tests start their own)
  iproute2 iptables kmod attr       # kernel plumbing (ip netns, veth), xattr tools
  tar gzip zstd bzip2 xz-utils coreutils git ca-certificates openssl
  python3 make g++                  # native npm addons build from source; python3 also bridges conmon attach sockets
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The anchors' packages start system services (etcd on :2379, a registry on :5000) where
  # systemd runs; berth's tests start their own on free loopback ports, so stop those.
  if [[ -d /run/systemd/system ]]; then
    for pair in etcd-server:etcd docker-registry:docker-registry; do
      [[ " ${missing[*]} " == *" ${pair%%:*} "* ]] && systemctl disable --now "${pair#*:}" >/dev/null 2>&1 || true
    done
  fi
fi
command -v node >/dev/null || { echo "install: berth needs Node.js 20 or newer on PATH" >&2; exit 1; }

npm ci --no-audit --no-fund
npm run build
ln -sf "$PWD/bin/berth" /usr/local/bin/berth

[[ "${1:-}" == "--no-start" ]] && exit 0

# berth's main job: the daemon, on its defaults (/var/lib/berth, unix:///run/berth/docker.sock).
if ! berth --host unix:///run/berth/docker.sock version >/dev/null 2>&1; then
  mkdir -p /var/log
  setsid nohup berth daemon >>/var/log/berth.log 2>&1 < /dev/null &
  for _ in $(seq 50); do
    berth --host unix:///run/berth/docker.sock version >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
berth --host unix:///run/berth/docker.sock version
echo "berth daemon is running (log: /var/log/berth.log); try: berth images"
