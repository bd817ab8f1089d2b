#!/usr/bin/env bash
# The local lab: every host of inventories/lab as a container like a small server: systemd, sshd,
# a user `deploy` with key login and sudo, and (once site.yml has run) its own dockerd. Ansible
# reaches it over SSH at the inventory's ansible_host, an address on the lab's network.
#   scripts/lab.sh up        build the node image (cached) and start the missing node containers
#   scripts/lab.sh converge  run site.yml against the lab
#   scripts/lab.sh nodes     print `docker node ls` from the first manager
#   scripts/lab.sh run       up, converge, nodes
#   scripts/lab.sh down      remove the lab's containers, their volumes and the network
# Everything it creates on the engine is named hsw-lab-* and labelled io.homelab.swarm.lab.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
inventory=${HSW_LAB_INVENTORY:-inventories/lab}
network=${HSW_LAB_NETWORK:-hsw-lab}
# The lab network's subnet: the inventory's addresses are in it.
subnet=${HSW_LAB_SUBNET:-192.168.213.0/24}
image=${HSW_NODE_IMAGE:-hsw-node:${HSW_DEBIAN_RELEASE:-bookworm}}
label=io.homelab.swarm.lab

# Every capability but SYS_RESOURCE: --privileged and --cap-add ALL fail on this kind of engine.
caps="CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT
SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE
AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ"

log() { printf '==> %s\n' "$*" >&2; }

[ -x .venv/bin/ansible-playbook ] || scripts/setup.sh
export PATH="$repo/.venv/bin:$PATH"
# The lab's vault password (lab-only, committed): the dev stack's env comes from the vault.
export ANSIBLE_VAULT_PASSWORD_FILE=${ANSIBLE_VAULT_PASSWORD_FILE:-$repo/inventories/lab/.vault-password}
# The lab's SSH key, made by scripts/lab-image.sh (the nodes trust its public half).
export ANSIBLE_PRIVATE_KEY_FILE=${ANSIBLE_PRIVATE_KEY_FILE:-$repo/.cache/lab/ssh/id_ed25519}

# "host address" pairs of the inventory's swarm hosts; each host's container is <network>-<host>.
lab_hosts() {
  ansible-inventory -i "$inventory" --list | python3 -c '
import json, sys
inv = json.load(sys.stdin)
hostvars = inv.get("_meta", {}).get("hostvars", {})
for group in ("swarm_managers", "swarm_workers"):
    for host in inv.get(group, {}).get("hosts", []):
        address = hostvars.get(host, {}).get("ansible_host")
        if not address:
            sys.exit("lab.sh: %s has no ansible_host (its address on the lab network) in the inventory" % host)
        print(host, address)
'
}

up() {
  scripts/lab-image.sh all
  docker network inspect "$network" >/dev/null 2>&1 \
    || docker network create --subnet "$subnet" --label "$label=$network" "$network" >/dev/null
  local host address container state cap_args=()
  for cap in $caps; do cap_args+=(--cap-add "$cap"); done
  while read -r host address; do
    container=$network-$host
    state=missing
    if docker container inspect "$container" >/dev/null 2>&1; then
      state=$(docker container inspect --format '{{.State.Running}}' "$container")
    fi
    case "$state" in
      true) log "$container is running" ;;
      false) log "starting $container"; docker start "$container" >/dev/null ;;
      missing)
        log "creating $container (hostname $host, address $address)"
        # systemd as PID 1 needs the host's cgroup tree and a private /run; SIGRTMIN+3 is its halt.
        docker run -d --name "$container" --hostname "$host" --label "$label=$network" \
          --network "$network" --ip "$address" "${cap_args[@]}" \
          --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
          --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
          -v /var/lib/docker --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
          --stop-signal SIGRTMIN+3 "$image" >/dev/null
        ;;
    esac
  done < <(lab_hosts)
  while read -r host address; do
    wait_for_ssh "$host" "$address"
  done < <(lab_hosts)
}

# Waits until the node's sshd answers (systemd boots it in a second or two).
wait_for_ssh() {
  local host=$1 address=$2 deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    # -n: the caller reads the host list on stdin, which ssh would otherwise swallow after the first host.
    if ssh -n -q -i "$ANSIBLE_PRIVATE_KEY_FILE" -o BatchMode=yes -o ConnectTimeout=2 \
      -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "deploy@$address" true 2>/dev/null; then
      return
    fi
    sleep 1
  done
  echo "lab.sh: $host ($address) did not answer on SSH within 60 s; see: docker logs $network-$host" >&2
  exit 1
}

converge() {
  ansible-playbook -i "$inventory" site.yml "$@"
}

nodes() {
  local address
  # The first manager: the whole list is read, since a reader that stops early breaks the pipe.
  address=$(lab_hosts | awk 'NR == 1 {print $2}')
  ssh -q -i "$ANSIBLE_PRIVATE_KEY_FILE" -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null "deploy@$address" sudo docker node ls
}

down() {
  local ids
  mapfile -t ids < <(docker ps -aq --filter "label=$label=$network")
  [ "${#ids[@]}" -eq 0 ] || docker rm -f -v "${ids[@]}" >/dev/null
  docker network rm "$network" >/dev/null 2>&1 || true
  log "lab removed"
}

cmd=${1:-run}
shift || true
case "$cmd" in
  up) up ;;
  converge) converge "$@" ;;
  nodes) nodes ;;
  run) up; converge "$@"; nodes ;;
  down) down ;;
  *) echo "usage: $0 up|converge|nodes|run|down" >&2; exit 2 ;;
esac
