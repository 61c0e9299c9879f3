# shellcheck shell=bash
#
# bench/packages.sh: sourced by the bench scripts (bench/run,
# bench/slow-attacks), which define msg() and die().

# bench_install PKG...: installs with apt-get the Debian packages among
# PKG that are not installed yet (running apt-get update only when a
# first try fails).  Dies when BENCH_NO_INSTALL is set and one is missing,
# or when apt-get fails.
bench_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	[[ -z ${BENCH_NO_INSTALL:-} ]] ||
		die "missing packages: ${missing[*]} (BENCH_NO_INSTALL is set)"
	msg "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
		>/dev/null 2>&1 || {
		apt-get update -q >/dev/null 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
			>/dev/null || die "apt-get install ${missing[*]} failed"
	}
}
