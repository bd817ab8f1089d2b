#!/usr/bin/env bash
# Builds the images the local lab needs, offline from any container registry:
#   hsw-node:bookworm   a bare Debian host (Python, no Docker: the docker role installs it); with
#                       HSW_DEBIAN_RELEASE=trixie or forky, hsw-node:trixie or hsw-node:forky, whose
#                       docker.io is 26.1 or 28.5 (bookworm's is 20.10)
#   hsw-busybox:1       a tiny image for test stacks, from Debian's busybox-static
#   hsw-registry:2      a container registry with htpasswd logins, from Debian's docker-registry
# Each image carries the hash of this file as a label and is rebuilt only when the recipe changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache="$repo/.cache/lab"
recipe=$(sha256sum "$0" | cut -c1-16)
label=io.homelab.swarm.recipe
mirror=${HSW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
release=${HSW_DEBIAN_RELEASE:-bookworm}
case "$release" in
  bookworm | trixie | forky) ;;
  *) echo "lab-image.sh: HSW_DEBIAN_RELEASE must be bookworm, trixie or forky, not $release" >&2; exit 2 ;;
esac
node_image=${HSW_NODE_IMAGE:-hsw-node:$release}
busybox_image=${HSW_BUSYBOX_IMAGE:-hsw-busybox:1}
registry_image=${HSW_REGISTRY_IMAGE:-hsw-registry:2}

# Debian packages of a bare host: enough for Ansible (python3) and for an engine to run later.
node_packages=python3,python3-apt,iproute2,iptables,kmod,procps,ca-certificates,gnupg,curl,netcat-openbsd,less
# What the docker role installs with docker_install_source: distribution (downloaded, not installed).
prefetch_packages=(docker.io python3-docker)

log() { printf '==> %s\n' "$*" >&2; }

current() {
  docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true
}

# Removes an earlier build of ours that a rebuild left untagged (kept while a container uses it).
drop_previous() {
  local previous=$1
  [ -n "$previous" ] || return 0
  [ "$(docker image inspect --format '{{len .RepoTags}}' "$previous" 2>/dev/null)" = 0 ] || return 0
  docker image rm "$previous" >/dev/null 2>&1 || true
}

need_root_tool() {
  command -v "$1" >/dev/null 2>&1 && return
  log "installing $2 (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

# PID 1 of a node container. /proc/sys is read-only in a container; Docker 26 and later write
# /proc/sys/net (IPv6 off on an overlay network's bridge) and refuse the task when they cannot, so the
# network part, which is the node's own network namespace, is made writable as on a real host.
node_boot='mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net; trap exit TERM; while :; do sleep 3600 & wait; done'

build_node() {
  if [ "$(current "$node_image")" = "$recipe" ]; then
    log "$node_image is up to date"
    return
  fi
  need_root_tool debootstrap debootstrap
  local rootfs="$cache/rootfs" previous
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  log "debootstrap $release into $rootfs (about a minute)"
  # trixie and later: debootstrap of an older host may not know the release's script name.
  debootstrap --variant=minbase --include="$node_packages" "$release" "$rootfs" "$mirror" \
    /usr/share/debootstrap/scripts/sid >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  if [ "$release" = forky ]; then
    # testing: no point release updates
    printf 'deb %s %s main\n' "$mirror" "$release" >"$rootfs/etc/apt/sources.list"
  else
    cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $release main
deb $mirror $release-updates main
deb ${mirror%/debian}/debian-security $release-security main
SOURCES
  fi
  # Lab-only: the node has no systemd, so docker.io runs from its sysvinit script, which sets
  # ulimit -n 1048576 and ulimit -p unlimited. This engine caps the containers' hard limits and
  # withholds CAP_SYS_RESOURCE, so the script would stop there; /etc/default/docker, which it
  # sources first (and which dpkg keeps as a conffile), makes those two calls best effort.
  mkdir -p "$rootfs/etc/default"
  cat >"$rootfs/etc/default/docker" <<'DEFAULT'
# homelab.swarm lab node: raise limits only as far as the container engine allows.
ulimit() { command ulimit "$@" 2>/dev/null || true; }
DEFAULT
  # Lab-only: PID 1 is a shell, not an init system. Keep systemd-sysv (pulled in by docker.io's
  # recommends, when docker_install_recommends is on) from taking /sbin/init, or Ansible would take the node for a systemd host.
  mkdir -p "$rootfs/etc/apt/preferences.d"
  printf 'Package: systemd-sysv\nPin: release *\nPin-Priority: -1\n' >"$rootfs/etc/apt/preferences.d/hsw-lab-no-systemd-init"
  # Lab-only: the mirror may serve a release whose Release file has expired (testing, as forky is,
  # when the mirror is a snapshot); apt would refuse its index, on the node as here.
  printf 'Acquire::Check-Valid-Until "false";\n' >"$rootfs/etc/apt/apt.conf.d/99hsw-lab-snapshot"
  # Lab-only speed-up, not an install: apt's download cache is filled with what the docker role
  # will install, so that each fresh node does not fetch the same packages again. Docker is not
  # installed, and the package index is dated in the past so the role still runs apt-get update
  # (packages newer than the cache are then downloaded as usual).
  rm -f "$rootfs"/var/cache/apt/archives/*.deb
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  chroot "$rootfs" apt-get update -qq
  chroot "$rootfs" apt-get install -qq --download-only --no-install-recommends -y "${prefetch_packages[@]}" >/dev/null
  rm -f "$rootfs/etc/resolv.conf"
  touch -d 2000-01-01 "$rootfs/var/lib/apt/lists"
  log "importing $node_image"
  previous=$(docker image inspect --format '{{.Id}}' "$node_image" 2>/dev/null || true)
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL $label=$recipe" \
    --change 'ENV container=docker' \
    --change "CMD [\"/bin/sh\", \"-c\", \"$node_boot\"]" \
    - "$node_image" >/dev/null
  drop_previous "$previous"
  rm -rf "$rootfs"
}

build_busybox() {
  if [ "$(current "$busybox_image")" = "$recipe" ] && [ -s "$cache/hsw-busybox.tar" ]; then
    log "$busybox_image is up to date"
    return
  fi
  local dir="$cache/busybox" deb previous
  rm -rf "$dir" && mkdir -p "$dir/root/bin" "$dir/deb"
  (cd "$dir/deb" && apt-get download busybox-static >/dev/null 2>&1) \
    || { apt-get update -qq && (cd "$dir/deb" && apt-get download busybox-static >/dev/null); }
  deb=$(ls "$dir"/deb/busybox-static_*.deb)
  dpkg-deb -x "$deb" "$dir/x"
  cp "$dir/x/bin/busybox" "$dir/root/bin/busybox"
  for applet in sh httpd nc cat ls sleep echo wget ps hostname; do
    ln -s busybox "$dir/root/bin/$applet"
  done
  mkdir -p "$dir/root/www" "$dir/root/tmp"
  log "importing $busybox_image"
  previous=$(docker image inspect --format '{{.Id}}' "$busybox_image" 2>/dev/null || true)
  tar -C "$dir/root" -c . | docker import \
    --change "LABEL $label=$recipe" \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]' \
    - "$busybox_image" >/dev/null
  drop_previous "$previous"
  docker save -o "$cache/hsw-busybox.tar" "$busybox_image"
  rm -rf "$dir"
}

# A registry to push to and pull from, run as a container beside the nodes. It starts with the user
# and password of REGISTRY_USER and REGISTRY_PASSWORD (htpasswd, bcrypt) and keeps no image between runs.
build_registry() {
  if [ "$(current "$registry_image")" = "$recipe" ]; then
    log "$registry_image is up to date"
    return
  fi
  need_root_tool debootstrap debootstrap
  local rootfs="$cache/registry-rootfs" previous
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  log "debootstrap bookworm with docker-registry into $rootfs (about a minute)"
  debootstrap --variant=minbase --include=docker-registry,apache2-utils bookworm "$rootfs" "$mirror" \
    >"$cache/debootstrap-registry.log" 2>&1 || { tail -20 "$cache/debootstrap-registry.log" >&2; exit 1; }
  cat >"$rootfs/etc/docker/registry/config.yml" <<'CONFIG'
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
http:
  addr: :5000
auth:
  htpasswd:
    realm: hsw-lab
    path: /etc/docker/registry/htpasswd
CONFIG
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  log "importing $registry_image"
  previous=$(docker image inspect --format '{{.Id}}' "$registry_image" 2>/dev/null || true)
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL $label=$recipe" \
    --change 'CMD ["/bin/sh", "-c", "htpasswd -Bbc /etc/docker/registry/htpasswd \"$REGISTRY_USER\" \"$REGISTRY_PASSWORD\" 2>/dev/null && exec /usr/bin/docker-registry serve /etc/docker/registry/config.yml"]' \
    - "$registry_image" >/dev/null
  drop_previous "$previous"
  rm -rf "$rootfs"
}

mkdir -p "$cache"
case "${1:-all}" in
  node) build_node ;;
  busybox) build_busybox ;;
  registry) build_registry ;;
  all) build_node; build_busybox; build_registry ;;
  *) echo "usage: $0 [node|busybox|registry|all]" >&2; exit 2 ;;
esac
