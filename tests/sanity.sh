#!/usr/bin/env bash
# ansible-test sanity on the collection as it would be installed: build it, install it under a
# temporary ansible_collections/ tree, and run ansible-test there (it insists on that layout).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # away from the repo's ansible.cfg, which already points at the clone
ansible-galaxy collection build "$here" --output-path "$work" >/dev/null
ansible-galaxy collection install --force "$work"/vnetlab-linux-*.tar.gz -p "$work/c" >/dev/null
"$here/tools/ansible-test-offline-pip" python3
cd "$work/c/ansible_collections/vnetlab/linux"
git init -q . && git add -A   # ansible-test uses git to list the files to check
ansible-test sanity --python "$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
  --venv --requirements --color no "$@"
