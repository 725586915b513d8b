# Sourced by ./run-lab and ./run-tests: a virtualenv in .venv with the given requirements file, on the
# newest Python this machine has (the newest ansible-core needs a recent one: 2.22 runs on 3.13 and later,
# 2.20-2.21 on 3.12 and later; pip picks the newest ansible-core of requirements.txt that the Python runs).
VENV=${VNETLAB_VENV:-$PWD/.venv}

# CPython 3.<minor> with venv: on PATH, else pyenv's (whose shims may not be on root's PATH). Fails if none.
python_of() {
  local minor=${1#3.} candidate
  for candidate in "$(command -v "python3.$minor" 2>/dev/null)" \
      "$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor".*/bin/python3."$minor" 2>/dev/null | sort -V | tail -1)"; do
    if [ -n "$candidate" ] && "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

# The newest CPython 3.12+ here (VNETLAB_PYTHON if set), else python3.
newest_python() {
  if [ -n "${VNETLAB_PYTHON:-}" ]; then echo "$VNETLAB_PYTHON"; return; fi
  python_of 3.14 || python_of 3.13 || python_of 3.12 || command -v python3
}

ensure_venv() {
  local req=$1 stamp python
  python=$(newest_python)
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    if command -v apt-get >/dev/null; then
      echo "installing python3-venv" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      echo "python3 with the venv module is needed" >&2; exit 1
    fi
  fi
  local version
  version=$("$python" -c 'import platform; print(platform.python_version())')
  # a venv of another Python (an older checkout's) is made anew
  if [ -x "$VENV/bin/python" ] && [ "$("$VENV/bin/python" -c 'import platform; print(platform.python_version())' 2>/dev/null)" != "$version" ]; then
    echo "recreating $VENV on Python $version" >&2
    rm -rf "$VENV"
  fi
  [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
  stamp="$VENV/.installed-$(basename "$req")-$(cat requirements*.txt | sha1sum | cut -c1-12)"
  if [ ! -e "$stamp" ]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}
