#!/usr/bin/env bash
# Every test of the collection, in the order a failure is cheapest to find:
#   lint      yamllint and ansible-lint (production profile, offline)
#   units     ansible-test sanity and units for plugins/
#   molecule  every molecule scenario, on node containers running their own dockerd
#   scripts/test.sh            all of them
#   scripts/test.sh molecule   one part (lint, units, molecule)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scripts/setup.sh
export PATH="$repo/.venv/bin:$PATH"
# Molecule and ansible-lint read this; the checkout is the collection (see ansible.cfg).
export ANSIBLE_COLLECTIONS_PATH="$repo/.cache/collections"

log() { printf '\n==> %s\n' "$*" >&2; }

lint() {
  log "yamllint"
  yamllint --strict .
  log "ansible-lint (production profile, offline)"
  ansible-lint --offline
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

molecule_all() {
  scripts/lab-image.sh all
  local scenario
  for scenario in ${HSW_MOLECULE_SCENARIOS:-$(ls extensions/molecule)}; do
    [ -f "extensions/molecule/$scenario/molecule.yml" ] || continue
    log "molecule test -s $scenario"
    molecule test -s "$scenario"
  done
}

case "${1:-all}" in
  lint) lint ;;
  units) units ;;
  molecule) molecule_all ;;
  all) lint; units; molecule_all ;;
  *) echo "usage: $0 [all|lint|units|molecule]" >&2; exit 2 ;;
esac
log "all ${1:-} tests passed"
