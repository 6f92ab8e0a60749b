# Sourced by the ensure-*.sh scripts: apt_install NAME WHAT PACKAGE... installs Debian packages
# when this is root on a machine with apt-get, logging to /tmp/NAME.log; otherwise it says what to
# install. Never fails: the test that needs the packages reports their absence (and fails under CI=true).

apt_install() {
  local name="$1" what="$2"
  shift 2
  if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: $what is missing and cannot be installed here (needs root and apt-get);" \
         "install the Debian packages $* to run the tests that need it" >&2
    return 0
  fi
  echo "$name: installing Debian's $* (first run on this machine)" >&2
  local log="/tmp/$name.log"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg run (another job on the same machine) instead of failing at once.
  local apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  if ! apt-get "${apt_opts[@]}" install -y --no-install-recommends "$@" >"$log" 2>&1; then
    # The package lists may be missing or stale on a fresh machine.
    apt-get "${apt_opts[@]}" update >>"$log" 2>&1
    apt-get "${apt_opts[@]}" install -y --no-install-recommends "$@" >>"$log" 2>&1 ||
      { echo "$name: apt-get install failed; see $log" >&2; tail -5 "$log" >&2; }
  fi
  return 0
}
