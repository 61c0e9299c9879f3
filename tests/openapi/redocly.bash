# redocly.bash: sourced by tests/openapi/lint and tests/openapi/tojson.
# Sets here (this folder), top (the repo) and redocly (the CLI pinned in
# package.json), and need_redocly, which installs node_modules here by
# `npm ci` on first use (never committed; its log goes to npm-ci.log).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
redocly="$here/node_modules/.bin/redocly"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1

# need_redocly: 0 once the CLI is there; 1 (the npm log on stderr as
# "# " lines) when it could not be installed.
need_redocly() {
	[ -x "$redocly" ] && return 0
	if (cd "$here" && npm ci --no-audit --no-fund >"$here/npm-ci.log" 2>&1)
	then
		return 0
	fi
	echo "# npm ci failed in tests/openapi; its log:" >&2
	sed 's/^/# /' "$here/npm-ci.log" >&2
	return 1
}

# openapi_json OUT: docs/openapi.yaml's JSON form into OUT (redocly's
# bundle of the one-file document: the same tree, $refs kept).
openapi_json() {
	(cd "$top" && "$redocly" bundle --config "$top/redocly.yaml" \
	    docs/openapi.yaml --ext json -o "$1") >/dev/null 2>&1
}
