#!/usr/bin/env bash
# Runs `ansible-test sanity` and `ansible-test units` on this checkout, without containers and
# without the ansible-test download server (only PyPI is needed).
#
#   scripts/ansible-test.sh            # sanity, then units
#   scripts/ansible-test.sh sanity     # only sanity
#   scripts/ansible-test.sh units      # only units
#   extra arguments after the first one are passed to ansible-test, e.g.
#   scripts/ansible-test.sh sanity --test validate-modules -v
#
# Needs .venv from scripts/setup.sh. Exits non-zero when any test fails.
#
# How it works:
# - ansible-test must run from a directory laid out as ansible_collections/NAMESPACE/NAME, so the
#   collection is staged in a temporary directory: the git-tracked files plus the untracked files
#   that are not ignored (`git ls-files -co --exclude-standard`), i.e. what would be committed.
#   .venv, .cache and tests/output therefore never reach the sanity tests.
# - ansible-test runs each sanity test in its own virtual environment under ~/.ansible/test/venv,
#   created without pip and bootstrapped with a get-pip script downloaded from
#   ci-files.testing.ansible.com, which is not reachable here. This script writes a small stand-in
#   to the cache path ansible-test reads first (~/.ansible/test/cache/get_pip_<version>.py): it
#   bootstraps pip with the interpreter's own ensurepip and then lets that pip install the exact
#   packages ansible-test asked for from PyPI. An existing file there (for example the real
#   get-pip script) is left alone.
# - units run with --venv: ansible-test creates a throwaway virtual environment and installs its
#   unit test requirements (pytest, pytest-xdist, pytest-mock, ...) and tests/unit/requirements.txt.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
python_version=${HSW_ANSIBLE_TEST_PYTHON:-3.12}
ansible_test="$repo/.venv/bin/ansible-test"
venv_python="$repo/.venv/bin/python"

if [ ! -x "$ansible_test" ]; then
  echo "ansible-test.sh: $ansible_test not found: run scripts/setup.sh first" >&2
  exit 2
fi

what=${1:-all}
[ $# -gt 0 ] && shift
case "$what" in
  all | sanity | units) ;;
  *)
    echo "usage: $0 [all|sanity|units] [ansible-test arguments...]" >&2
    exit 2
    ;;
esac

# Sanity tests that cannot run here are skipped explicitly, each with the reason.
sanity_skips=()
if ! command -v shellcheck >/dev/null 2>&1; then
  # The shell linter is not installed by scripts/setup.sh (it is a Debian package, not a Python
  # one), so a fresh machine does not have it; where it is installed, the test runs.
  sanity_skips+=(--skip-test shellcheck)
fi
if ! command -v pwsh >/dev/null 2>&1; then
  # PowerShell is not installed, and the collection has no PowerShell code to lint.
  sanity_skips+=(--skip-test pslint)
fi

write_pip_bootstrap() {
  local pip_version cache
  pip_version=$("$venv_python" -c '
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="'"$python_version"'"))["pip"])
' 2>/dev/null) || {
    # ansible-test internals moved: let ansible-test try its own download and say what is missing.
    echo "ansible-test.sh: could not read the pip version ansible-test wants; no pip bootstrap stand-in written" >&2
    return 0
  }
  cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  # Leave a real get-pip script alone; refresh a stand-in written by (an older) this script.
  if [ -e "$cache" ] && ! grep -q 'written by scripts/ansible-test.sh of homelab.swarm' "$cache"; then
    return
  fi
  mkdir -p "$(dirname "$cache")"
  cat >"$cache.tmp" <<'EOF'
# Stand-in for https://ci-files.testing.ansible.com/ansible-test/get-pip-<version>.py,
# written by scripts/ansible-test.sh of homelab.swarm, because that host is unreachable here.
# ansible-test runs this file with the same arguments as the real get-pip script: the
# requirement specifiers to install (for example pip==25.2) and pip options.
# It bootstraps the pip bundled with the interpreter (ensurepip), then installs them from PyPI.
import ensurepip
import os
import subprocess
import sys

# Options of get-pip itself, not of pip install: setuptools and wheel are only installed when listed.
GET_PIP_ONLY = ('--no-setuptools', '--no-wheel', '--no-pip')

# ensurepip sets PIP_CONFIG_FILE=/dev/null in this process; the install below must see the
# machine's pip configuration (index, certificates) again.
env = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check', '--quiet'] + args, env=env))
EOF
  if ! cmp -s "$cache.tmp" "$cache"; then
    mv "$cache.tmp" "$cache"
    echo "==> wrote the pip bootstrap stand-in $cache" >&2
  else
    rm -f "$cache.tmp"
  fi
}

stage_root=$(mktemp -d "${TMPDIR:-/tmp}/hsw-ansible-test.XXXXXX")
trap 'rm -rf "$stage_root"' EXIT
stage="$stage_root/ansible_collections/homelab/swarm"
mkdir -p "$stage"

# Copy what git would commit (tracked + untracked-not-ignored), skipping files deleted in the work tree.
(
  cd "$repo"
  git ls-files -z -co --exclude-standard | while IFS= read -r -d '' path; do
    if [ -e "$path" ] || [ -L "$path" ]; then
      printf '%s\0' "$path"
    fi
  done | tar --null -T - -cf -
) | tar -C "$stage" -xf -
# A git repository lets ansible-test list the content the way it does in CI; the files are only
# staged (git add), never committed, so no identity is needed.
git -C "$stage" init -q
git -C "$stage" add -A

cd "$stage"
status=0
started=$SECONDS

if [ "$what" = all ] || [ "$what" = sanity ]; then
  write_pip_bootstrap
  echo "==> ansible-test sanity --python $python_version --local ${sanity_skips[*]:-} $*" >&2
  if ! "$ansible_test" sanity --python "$python_version" --local --color no "${sanity_skips[@]}" "$@"; then
    status=1
  fi
fi

if [ "$what" = all ] || [ "$what" = units ]; then
  write_pip_bootstrap
  echo "==> ansible-test units --python $python_version --venv $*" >&2
  if ! "$ansible_test" units --python "$python_version" --venv --color no "$@"; then
    status=1
  fi
fi

echo "==> ansible-test.sh $what: $([ $status = 0 ] && echo passed || echo FAILED) in $((SECONDS - started))s" >&2
exit $status
