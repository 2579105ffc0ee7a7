# apt-ensure.sh — sourced by setup.sh and bench.sh: install the Debian packages that are
# missing (as root, or through sudo), quietly; nothing when all are installed.
#   apt_ensure TAG PACKAGE...   TAG names the caller in the one progress line; returns
#                               apt-get's status (0 when nothing was missing)
apt_ensure() {
	local tag=$1 p sudo=""
	shift
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	echo "$tag: installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq || return
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -o DPkg::Lock::Timeout=600 -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}
