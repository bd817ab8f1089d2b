#!/usr/bin/env bash
# Every test of the collection, in the order a failure is cheapest to find:
#   lint      yamllint, ansible-lint (production profile, offline), the docs and the changelog
#   units     ansible-test sanity and units for plugins/
#   preflight bad inventories are refused before anything changes (pytest, --check, no nodes)
#   package   ansible-galaxy collection build, installed into an empty collections path
#   molecule  every molecule scenario, on node containers running their own dockerd, converged
#             with the collection installed from that tarball
#   scripts/test.sh            all of them
#   scripts/test.sh molecule   one part (lint, units, preflight, package, molecule)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh
export PATH="$repo/.venv/bin:$PATH"
# ansible-lint and the preflight tests use the checkout as the collection (see ansible.cfg);
# molecule uses the collection built and installed by `package`.
export ANSIBLE_COLLECTIONS_PATH="$repo/.cache/collections"
installed="$repo/.cache/installed"

log() { printf '\n==> %s %s\n' "$(date +%T)" "$*" >&2; }

lint() {
  log "yamllint"
  yamllint --strict .
  log "ansible-lint (production profile, offline)"
  ansible-lint --offline
  log "docs/roles.md matches the roles' argument specs"
  python scripts/role-docs.py --check
  log "ansible-doc renders the module and the roles"
  # grep reads to the end (no -q), so that ansible-doc does not die of a broken pipe.
  ansible-doc homelab.swarm.swarm_health | grep 'docker node ls' >/dev/null
  for role in roles/*/; do
    ansible-doc -t role "homelab.swarm.$(basename "$role")" | grep 'ENTRY POINT' >/dev/null
  done
  log "antsibull-docs lint-collection-docs (plugin and role docs)"
  (cd .cache/collections/ansible_collections/homelab/swarm && antsibull-docs lint-collection-docs --plugin-docs .)
  log "antsibull-changelog: the fragments, and the notes a release of them would write"
  antsibull-changelog lint
  python scripts/changelog-preview.py --check
}

units() {
  # ansible-test's shellcheck sanity test runs only where shellcheck is installed (Debian package).
  if ! command -v shellcheck >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    log "installing shellcheck"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
  fi
  log "ansible-test sanity and units"
  scripts/ansible-test.sh all
}

preflight() {
  log "preflight checks of bad inventories"
  pytest -q tests/integration
}

package() {
  log "build the collection and install it into an empty collections path"
  rm -rf .cache/build "$installed"
  ansible-galaxy collection build --output-path .cache/build .
  # --no-deps: community.docker comes with the ansible package, not from Galaxy.
  ANSIBLE_COLLECTIONS_PATH="$installed" ansible-galaxy collection install --offline --no-deps --force \
    -p "$installed" .cache/build/homelab-swarm-*.tar.gz
  ANSIBLE_COLLECTIONS_PATH="$installed" ansible-playbook --syntax-check -i inventories/lab homelab.swarm.site
  touch "$installed/.built"
}

# The built collection is older than a file of the checkout: molecule would run the code before it.
package_is_stale() {
  [ -e "$installed/.built" ] || return 0
  [ -n "$(find . \( -path ./.git -o -path ./.cache -o -path ./.venv -o -path ./tests/output \) -prune -o \
          -type f -newer "$installed/.built" -print -quit)" ]
}

# Minutes each scenario took in two lanes on a clean machine, to share them between the lanes evenly.
declare -A scenario_minutes=([default]=20 [deploy]=14 [lifecycle]=18 [adopt]=3 [faults]=22)

run_scenario() {
  local scenario=$1 started=$SECONDS rc=0
  log "molecule test -s $scenario (collection from the built tarball)"
  ANSIBLE_COLLECTIONS_PATH="$installed" molecule test -s "$scenario" || rc=$?
  log "molecule test -s $scenario: $([ "$rc" = 0 ] && echo passed || echo "FAILED ($rc)") in $((SECONDS - started))s"
  return "$rc"
}

# The node images the scenarios run on, by release.
image_env() {
  # HSW_DEBIAN_RELEASE=trixie or forky: the scenarios on Docker 26.1 or 28.5 instead of 20.10.
  # HSW_MANAGER_RELEASE and HSW_WORKER_RELEASE (default scenario only): a cluster of mixed engines,
  # as the seed's (a newer manager). deploy always runs a 28.5 manager and a 26.1 worker.
  release=${HSW_DEBIAN_RELEASE:-bookworm}
  export HSW_NODE_IMAGE=${HSW_NODE_IMAGE:-hsw-node:$release}
  export HSW_MANAGER_IMAGE=${HSW_MANAGER_RELEASE:+hsw-node:$HSW_MANAGER_RELEASE}
  export HSW_WORKER_IMAGE=${HSW_WORKER_RELEASE:+hsw-node:$HSW_WORKER_RELEASE}
  : "${HSW_MANAGER_IMAGE:=$HSW_NODE_IMAGE}" "${HSW_WORKER_IMAGE:=$HSW_NODE_IMAGE}"
}

images() {
  local release
  image_env
  scripts/lab-image.sh all
  local -a releases=("${HSW_MANAGER_RELEASE:-$release}" "${HSW_WORKER_RELEASE:-$release}")
  case " ${HSW_MOLECULE_SCENARIOS:-deploy} " in
    *" deploy "*) releases+=(trixie forky) ;;
  esac
  for release in $(printf '%s\n' "${releases[@]}" | sort -u); do
    HSW_DEBIAN_RELEASE=$release HSW_NODE_IMAGE=hsw-node:$release scripts/lab-image.sh node
  done
}

# The scenarios mostly wait for swarms to converge (gossip, restarts), so they run in three lanes
# side by side (HSW_MOLECULE_JOBS, default 3), each line prefixed with its scenario: in two lanes,
# faults' 22 minutes took CI past its 45. HSW_MOLECULE_JOBS=1 runs them one by one.
# Every scenario has its own node containers and network (hsw-mol*), so they do not meet.
molecule_all() {
  if package_is_stale; then package; fi
  local release
  image_env
  # `all` has built them in the background already.
  [ "${HSW_IMAGES_BUILT:-}" = 1 ] || images
  local scenario jobs=${HSW_MOLECULE_JOBS:-3} lane least i failed
  local -a scenarios=() lanes=() load=()
  local default_scenarios=() dir
  for dir in extensions/molecule/*/; do
    default_scenarios+=("$(basename "$dir")")
  done
  for scenario in ${HSW_MOLECULE_SCENARIOS:-${default_scenarios[*]}}; do
    [ -f "extensions/molecule/$scenario/molecule.yml" ] && scenarios+=("$scenario")
  done
  if [ "$jobs" -le 1 ] || [ "${#scenarios[@]}" -le 1 ]; then
    for scenario in "${scenarios[@]}"; do run_scenario "$scenario"; done
    return
  fi
  # Longest first, each to the lane with the fewest minutes so far.
  for ((i = 0; i < jobs; i++)); do lanes[i]=""; load[i]=0; done
  local -a longest_first
  mapfile -t longest_first < <(for name in "${scenarios[@]}"; do echo "${scenario_minutes[$name]:-10} $name"; done \
                                | sort -rn | cut -d' ' -f2)
  for scenario in "${longest_first[@]}"; do
    least=0
    for ((i = 1; i < jobs; i++)); do [ "${load[i]}" -lt "${load[least]}" ] && least=$i; done
    lanes[least]+=" $scenario"; load[least]=$((load[least] + ${scenario_minutes[$scenario]:-10}))
  done
  failed=$(mktemp)
  # Each scenario's output, whole: the three lanes interleave on the terminal.
  logs=.cache/molecule-logs
  rm -rf "$logs" && mkdir -p "$logs"
  for lane in "${lanes[@]}"; do
    [ -n "$lane" ] || continue
    log "lane:$lane"
    (
      for scenario in $lane; do
        run_scenario "$scenario" > >(sed -u "s/^/[$scenario] /" | tee "$logs/$scenario.log") 2>&1 \
          || echo "$scenario" >>"$failed"
      done
    ) &
  done
  wait
  if [ -s "$failed" ]; then
    # Again at the end, where a log cut to its last lines still shows them: what failed, and where.
    while read -r scenario; do
      log "$scenario: its failed tasks and tests (whole log: $logs/$scenario.log)"
      sed 's/\x1b\[[0-9;]*m//g' "$logs/$scenario.log" \
        | grep -aE 'fatal: \[|failed: \[|│ E  |│ FAILED tests/|│ ERROR|CRITICAL|Return code: [1-9]' \
        | tail -n 60 >&2 || true
    done <"$failed"
    log "molecule scenarios that failed: $(tr '\n' ' ' <"$failed")"
    rm -f "$failed"
    return 1
  fi
  rm -f "$failed"
}

case "${1:-all}" in
  lint) lint ;;
  units) units ;;
  preflight) preflight ;;
  package) package ;;
  molecule) molecule_all ;;
  all)
    # The node images (debootstrap, mostly downloads and unpacking) are built while lint, units and
    # the preflight tests use the cores: on a clean machine that saves about five minutes.
    images_log=.cache/images.log
    mkdir -p .cache
    images >"$images_log" 2>&1 &
    images_pid=$!
    trap 'kill -- "$images_pid" 2>/dev/null || true' EXIT
    lint; units; preflight; package
    log "waiting for the node images (their log: $images_log)"
    if ! wait "$images_pid"; then
      cat "$images_log" >&2
      log "building the node images failed"
      exit 1
    fi
    trap - EXIT
    cat "$images_log" >&2
    HSW_IMAGES_BUILT=1 molecule_all
    ;;
  *) echo "usage: $0 [all|lint|units|preflight|package|molecule]" >&2; exit 2 ;;
esac
log "all ${1:-} tests passed"
