#!/usr/bin/env bash
# Builds the images the local lab needs, offline from any container registry:
#   hsw-node:bookworm   a bare Debian server: systemd as PID 1, sshd, python3, and a user `deploy`
#                       with key login and passwordless sudo (no Docker: the docker role installs
#                       it); with HSW_DEBIAN_RELEASE=trixie or forky, hsw-node:trixie or
#                       hsw-node:forky, whose docker.io is 26.1 or 28.5 (bookworm's is 20.10; the
#                       forky node is trixie with forky's Docker packages, see build_node)
#   hsw-busybox:1       a tiny image for test stacks, from Debian's busybox-static
#   hsw-registry:2      a container registry with htpasswd logins, from Debian's docker-registry
#   hsw-ops:1           the lab's monitoring and ingress, from Debian's packages: Prometheus, its node
#                       exporter and HAProxy (Traefik is not packaged), saved as a tarball for the nodes
# Each image carries the hash of its recipe (the functions that build it, and for the node image its
# packages and the lab's SSH key) as a label and is rebuilt only when that changes. The lab's key
# pair is made here, under .cache/lab/ssh, never committed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache="$repo/.cache/lab"
ssh_key="$cache/ssh/id_ed25519"
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
ops_image=${HSW_OPS_IMAGE:-hsw-ops:1}

# Debian packages of a bare server: systemd, sshd and sudo, python3 for Ansible, and what an engine
# needs later.
node_packages=systemd,systemd-sysv,dbus,openssh-server,sudo,python3,python3-apt,iproute2,iptables,kmod,procps,ca-certificates,gnupg,curl,netcat-openbsd,less
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

# True, and says so, when the image was built from this recipe and its tarball (if it has one) is there.
up_to_date() {
  local image=$1 recipe=$2 tarball=${3:-}
  [ "$(current "$image")" = "$recipe" ] || return 1
  [ -z "$tarball" ] || [ -s "$tarball" ] || return 1
  log "$image is up to date"
}

# Imports a root folder as the image, labelled with its recipe (docker import options such as
# --change may follow), and removes the build it replaces.
import_image() {
  local root=$1 image=$2 recipe=$3 previous
  shift 3
  log "importing $image"
  previous=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  tar -C "$root" -c . | docker import --change "LABEL $label=$recipe" "$@" - "$image" >/dev/null
  drop_previous "$previous"
}

need_root_tool() {
  command -v "$1" >/dev/null 2>&1 && return
  log "installing $2 (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

# The lab's key pair: the public half goes into every node image, so a new key rebuilds them.
make_ssh_key() {
  [ -s "$ssh_key" ] && return
  mkdir -p "$(dirname "$ssh_key")"
  ssh-keygen -q -t ed25519 -N '' -C hsw-lab -f "$ssh_key"
}

# What makes a container a server like the others: the admin user, sshd with its own host keys,
# and the kernel settings Docker writes.
configure_node() {
  local rootfs=$1
  # systemd gives each boot a machine id of its own; a baked-in one would be shared by every node.
  : >"$rootfs/etc/machine-id"
  rm -f "$rootfs/var/lib/dbus/machine-id"
  # Host keys are made at boot: keys in the image would be the same on every node.
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
  cat >"$rootfs/etc/systemd/system/ssh.service.d/hsw-host-keys.conf" <<'UNIT'
# homelab.swarm lab node: each node makes its own host keys at first boot.
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
  # /proc/sys is read-only in a container. Docker 26 and later write /proc/sys/net (IPv6 off on an
  # overlay network's bridge) and refuse the task when they cannot, so the network part, which is the
  # node's own network namespace, is made writable as on a real host, before the engine starts.
  cat >"$rootfs/etc/systemd/system/hsw-lab-proc-sys-net.service" <<'UNIT'
[Unit]
Description=homelab.swarm lab node: writable /proc/sys/net, as on a real host
DefaultDependencies=no
Before=docker.service containerd.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net'

[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/hsw-lab-proc-sys-net.service \
    "$rootfs/etc/systemd/system/multi-user.target.wants/hsw-lab-proc-sys-net.service"
  # A container has no consoles or hardware clock to look after.
  for unit in getty.target console-getty.service systemd-timesyncd.service; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done
  # The admin user, as on a cloud image: key login only, passwordless sudo.
  chroot "$rootfs" useradd --create-home --shell /bin/bash deploy
  install -d -m 0700 "$rootfs/home/deploy/.ssh"
  install -m 0600 "$ssh_key.pub" "$rootfs/home/deploy/.ssh/authorized_keys"
  chroot "$rootfs" chown -R deploy:deploy /home/deploy/.ssh
  printf 'deploy ALL=(ALL) NOPASSWD:ALL\n' >"$rootfs/etc/sudoers.d/deploy"
  chmod 0440 "$rootfs/etc/sudoers.d/deploy"
  printf 'PasswordAuthentication no\nPermitRootLogin no\nUseDNS no\n' >"$rootfs/etc/ssh/sshd_config.d/hsw-lab.conf"
}

build_node() {
  up_to_date "$node_image" "$node_recipe" && return
  need_root_tool debootstrap debootstrap
  local rootfs="$cache/rootfs"
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  # forky's systemd (262) refuses to boot on a host with cgroup v1, as this one is: the forky node is
  # trixie (systemd 257) with forky's Docker packages, the 28.5 engine and what it runs on, pinned.
  local base=$release
  [ "$release" = forky ] && base=trixie
  log "debootstrap $base into $rootfs (about a minute)"
  # trixie and later: debootstrap of an older host may not know the release's script name.
  debootstrap --variant=minbase --include="$node_packages" "$base" "$rootfs" "$mirror" \
    /usr/share/debootstrap/scripts/sid >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $base main
deb $mirror $base-updates main
deb ${mirror%/debian}/debian-security $base-security main
SOURCES
  if [ "$release" = forky ]; then
    printf 'deb %s forky main\n' "$mirror" >>"$rootfs/etc/apt/sources.list"
    mkdir -p "$rootfs/etc/apt/preferences.d"
    cat >"$rootfs/etc/apt/preferences.d/hsw-lab-forky-docker" <<'PIN'
Package: *
Pin: release n=forky
Pin-Priority: 100

Package: docker.io docker-cli containerd runc tini tini-static
Pin: release n=forky
Pin-Priority: 990
PIN
  fi
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
  configure_node "$rootfs"
  # systemd as PID 1; the containers run with --stop-signal SIGRTMIN+3 (systemd's halt), which an
  # image made by import cannot carry.
  import_image "$rootfs" "$node_image" "$node_recipe" --change 'ENV container=docker' --change 'CMD ["/sbin/init"]'
  rm -rf "$rootfs"
}

build_busybox() {
  local recipe
  recipe=$(recipe_of "" build_busybox)
  up_to_date "$busybox_image" "$recipe" "$cache/hsw-busybox.tar" && return
  local dir="$cache/busybox" deb
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
  import_image "$dir/root" "$busybox_image" "$recipe" \
    --change 'ENV PATH=/bin' --change 'CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]'
  docker save -o "$cache/hsw-busybox.tar" "$busybox_image"
  rm -rf "$dir"
}

# A registry to push to and pull from, run as a container beside the nodes. It starts with the user
# and password of REGISTRY_USER and REGISTRY_PASSWORD (htpasswd, bcrypt) and keeps no image between runs.
build_registry() {
  local recipe
  recipe=$(recipe_of "" build_registry)
  up_to_date "$registry_image" "$recipe" && return
  need_root_tool debootstrap debootstrap
  local rootfs="$cache/registry-rootfs"
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
  # shellcheck disable=SC2016 # the registry container's shell expands them, not this one
  import_image "$rootfs" "$registry_image" "$recipe" \
    --change 'CMD ["/bin/sh", "-c", "htpasswd -Bbc /etc/docker/registry/htpasswd \"$REGISTRY_USER\" \"$REGISTRY_PASSWORD\" 2>/dev/null && exec /usr/bin/docker-registry serve /etc/docker/registry/config.yml"]'
  rm -rf "$rootfs"
}

# Prometheus 2.42, prometheus-node-exporter 1.5 and HAProxy 2.6 from bookworm, each service of the
# lab's ops stack running one of them (the image has no default command).
build_ops() {
  local recipe
  recipe=$(recipe_of "" build_ops)
  up_to_date "$ops_image" "$recipe" "$cache/hsw-ops.tar" && return
  need_root_tool debootstrap debootstrap
  local rootfs="$cache/ops-rootfs"
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  log "debootstrap bookworm with prometheus, prometheus-node-exporter and haproxy (about two minutes)"
  debootstrap --variant=minbase --include=prometheus,prometheus-node-exporter,haproxy,busybox bookworm \
    "$rootfs" "$mirror" >"$cache/debootstrap-ops.log" 2>&1 || { tail -20 "$cache/debootstrap-ops.log" >&2; exit 1; }
  # The lab scrapes and queries Prometheus through its API: its web UI's JavaScript (about 220 MB)
  # and promtool are left out, as are the documentation and the package caches.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc \
    "$rootfs"/usr/share/man "$rootfs"/usr/share/locale "$rootfs"/usr/share/javascript "$rootfs"/usr/bin/promtool
  import_image "$rootfs" "$ops_image" "$recipe"
  docker save -o "$cache/hsw-ops.tar" "$ops_image"
  rm -rf "$rootfs"
}

mkdir -p "$cache"
# One build at a time: two would debootstrap into the same folder.
exec 9>"$cache/.build.lock"
flock 9
make_ssh_key
# The recipe of an image: the text of the functions that build it, and what else is given.
recipe_of() {
  local extra=$1
  shift
  { declare -f current drop_previous up_to_date import_image "$@"; printf '%s\n' "$extra"; } | sha256sum | cut -c1-16
}
node_recipe=$(recipe_of "$release $node_packages ${prefetch_packages[*]} $(cat "$ssh_key.pub")" build_node configure_node)
case "${1:-all}" in
  node) build_node ;;
  busybox) build_busybox ;;
  registry) build_registry ;;
  ops) build_ops ;;
  all) build_node; build_busybox; build_registry; build_ops ;;
  *) echo "usage: $0 [node|busybox|registry|ops|all]" >&2; exit 2 ;;
esac
