#!/usr/bin/env bash
# Creates .venv with the controller dependencies pinned for the best Python present,
# and links this checkout into .cache/collections as homelab.swarm.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

pick_python() {
  local v cand
  # ansible 14 (core 2.21) needs >= 3.12; 3.11 gets ansible 12 (core 2.19).
  for v in 3.12 3.13 3.14 3.11; do
    for cand in "python$v" /root/.pyenv/versions/"$v"*/bin/python"$v" /usr/bin/python"$v" /usr/local/bin/python"$v"; do
      if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        command -v "$cand"
        return
      fi
    done
  done
  echo "no Python 3.11+ with venv found" >&2
  return 1
}

python=${HSW_PYTHON:-$(pick_python)}
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$version" in
  3.11) reqs=requirements/py311.txt ;;
  *) reqs=requirements/py312.txt ;;
esac
stamp=".venv/.hsw-$(sha256sum <"$reqs" | cut -c1-16)-$version"

if [ ! -e "$stamp" ]; then
  echo "==> creating .venv with Python $version ($python), $reqs" >&2
  rm -rf .venv
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$reqs"
  touch "$stamp"
fi

mkdir -p .cache/collections/ansible_collections/homelab
ln -sfn ../../../.. .cache/collections/ansible_collections/homelab/swarm
echo "==> .venv ready: $(.venv/bin/ansible --version | head -1)" >&2
