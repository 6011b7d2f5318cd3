# shellcheck shell=bash
# Shared setup for scripts/test and scripts/run: source it, do not execute it.
#
# After sourcing:
#   - the working directory is the repository root;
#   - .venv holds the project (editable) and its dev tools;
#   - `in_env CMD [ARGS...]` runs CMD inside that environment;
#   - `section TITLE` prints a section header.
#
# Preferred path: uv, installing exactly what uv.lock pins (`uv sync --locked`).
# If uv is missing it is installed with `pip install --user uv`. If even that
# fails, a plain `python -m venv` + pip environment is built instead (same
# packages, but versions resolved by pip rather than taken from uv.lock).

set -euo pipefail

NAPCI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$NAPCI_ROOT"

# The machine's Python 3.11; uv must use it and never download a Python.
# Keep it a command name, not a path: uv matches a name against the existing
# .venv, while a path (e.g. a pyenv shim) would make it rebuild .venv.
if [[ -z "${NAPCI_PYTHON:-}" ]]; then
  NAPCI_PYTHON=python3.11
  command -v python3.11 >/dev/null 2>&1 || NAPCI_PYTHON=python3
fi
export UV_PYTHON_DOWNLOADS=never
export UV_PYTHON="$NAPCI_PYTHON"

section() {
  printf '\n==> %s\n' "$*"
}

# Is uv usable? Also looks in the --user bin directory, where an earlier
# `pip install --user uv` put it even if that directory is not on PATH.
_napci_find_uv() {
  command -v uv >/dev/null 2>&1 && return 0
  local user_bin
  user_bin="$("$NAPCI_PYTHON" -m site --user-base 2>/dev/null)/bin"
  if [[ -x "$user_bin/uv" ]]; then
    export PATH="$user_bin:$PATH"
    return 0
  fi
  return 1
}

_napci_install_uv() {
  section "uv not found: installing it with pip --user"
  local pip=("$NAPCI_PYTHON" -m pip install --user --quiet --disable-pip-version-check)
  # A distribution's Python (PEP 668, e.g. Debian's) refuses even --user
  # installs unless told otherwise; uv is a standalone binary, safe to add.
  { "${pip[@]}" uv 2>/dev/null || "${pip[@]}" --break-system-packages uv; } && _napci_find_uv
}

# Fallback without uv: .venv built by venv + pip.
_napci_pip_venv() {
  section "uv unavailable: building .venv with venv + pip (versions not locked)"
  [[ -x .venv/bin/python ]] || "$NAPCI_PYTHON" -m venv .venv
  local py=.venv/bin/python
  # A venv created by uv has no pip of its own.
  "$py" -m pip --version >/dev/null 2>&1 || "$py" -m ensurepip --upgrade
  local pip=("$py" -m pip --quiet --disable-pip-version-check)
  # `--group` (PEP 735 dependency groups) needs pip >= 25.1; try to get it.
  "${pip[@]}" install --upgrade pip || echo "warning: could not upgrade pip" >&2
  if "$py" -m pip install --help | grep -q -- '--group'; then
    "${pip[@]}" install -e . --group dev
  else
    # Older pip: name the dev tools from pyproject's [dependency-groups] dev.
    local dev_tools
    mapfile -t dev_tools < <("$py" -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    group = tomllib.load(f)["dependency-groups"]["dev"]
print("\n".join(req for req in group if isinstance(req, str)))')
    "${pip[@]}" install -e . "${dev_tools[@]}"
  fi
}

# The project's own modules, compiled once: an editable install leaves them to
# be compiled on import, and with PYTHONDONTWRITEBYTECODE set (as on many CI
# machines) every `napci` command, and every process a test starts, would
# compile them again. The installed packages are compiled by their installer.
_napci_compile() {
  .venv/bin/python -m compileall -q -j 0 src >/dev/null
}

if _napci_find_uv || _napci_install_uv; then
  section "Installing the project and dev tools (uv sync --locked)"
  uv sync --locked --compile-bytecode --python "$NAPCI_PYTHON"
  in_env() {
    # Already synced above: do not let each `uv run` re-resolve.
    uv run --no-sync "$@"
  }
else
  _napci_pip_venv
  in_env() {
    VIRTUAL_ENV="$NAPCI_ROOT/.venv" PATH="$NAPCI_ROOT/.venv/bin:$PATH" "$@"
  }
fi
_napci_compile
