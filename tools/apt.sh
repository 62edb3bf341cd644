# Debian package helpers shared by the install scripts (tools/install-deps.sh,
# tools/cross/install-pi.sh, tools/cross/install-cortex-m.sh). Source it; it runs nothing.

# missing_packages PKG...: prints, space-separated, the packages dpkg does not list as installed.
# "name:arch" must be installed for that architecture; a bare name for the native architecture
# or as "all" (with foreign architectures added, a library is listed once per architecture).
missing_packages() {
  local native p want out=()
  native=$(dpkg --print-architecture)
  for p in "$@"; do
    if [[ "$p" == *:* ]]; then want=${p#*:}; else want="$native|all"; fi
    dpkg-query -W -f='${db:Status-Status} ${Architecture}\n' "$p" 2>/dev/null |
      grep -qE "^installed ($want)$" || out+=("$p")
  done
  echo "${out[*]}"
}

# apt_update_tolerant TAG: `apt-get update`, whose non-zero exit is reported but tolerated: with
# a foreign architecture added it can fail on one index while the main suite is fine, and
# `apt-get install` then reports any real gap.
apt_update_tolerant() {
  echo "+ apt-get update (a non-zero exit is tolerated)"
  apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null || echo "$1: apt-get update exited $? (tolerated)"
}

# apt_install PKG...: installs without recommends, waiting for a held dpkg lock.
apt_install() {
  echo "+ apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "$@"
}
