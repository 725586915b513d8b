# Sourced by ./run-lab and ./run-tests: a virtualenv in .venv with the given requirements file.
VENV=${VNETLAB_VENV:-$PWD/.venv}

ensure_venv() {
  local req=$1 stamp
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if command -v apt-get >/dev/null; then
      echo "installing python3-venv" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      echo "python3 with the venv module is needed" >&2; exit 1
    fi
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  stamp="$VENV/.installed-$(basename "$req")-$(cat requirements*.txt | sha1sum | cut -c1-12)"
  if [ ! -e "$stamp" ]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}
