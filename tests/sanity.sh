#!/usr/bin/env bash
# ansible-test sanity on the collection as it would be installed: build it, install it under a
# temporary ansible_collections/ tree, and run ansible-test there (it insists on that layout).
# Every test runs with the newest ansible-test (this venv's, requirements.txt) except pylint: ansible-test
# 2.22 pins its pylint's `dill` to a GitHub archive, which no machine here can fetch, so pylint runs with
# the ansible-test of 2.21 (the previous release; its pins are all on PyPI) in a temporary virtualenv.
#   tests/sanity.sh [ansible-test sanity options]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # away from the repo's ansible.cfg, which already points at the clone
ansible-galaxy collection build "$here" --output-path "$work" >/dev/null
ansible-galaxy collection install --force "$work"/vnetlab-linux-*.tar.gz -p "$work/c" >/dev/null
cd "$work/c/ansible_collections/vnetlab/linux"
git init -q . && git add -A   # ansible-test uses git to list the files to check

sanity() {  # <python of an ansible-core venv> <ansible-test sanity options...>
  local python=$1; shift
  "$here/tools/ansible-test-offline-pip" "$python"
  echo "--- $("$(dirname "$python")/ansible-test" --version) sanity $*"
  "$(dirname "$python")/ansible-test" sanity --python "$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
    --venv --requirements --color no "$@"
}

newest=$(command -v python3)
if [ "$(python3 -c 'import ansible; print(ansible.__version__)' | cut -d. -f1-2)" = 2.22 ]; then
  sanity "$newest" --skip-test pylint "$@"
  python3 -m venv "$work/venv221"
  "$work/venv221/bin/pip" install -q --disable-pip-version-check 'ansible-core==2.21.*' 2>&1 | grep -v '^WARNING: Location' || true
  sanity "$work/venv221/bin/python" --test pylint "$@"
else
  sanity "$newest" "$@"
fi
