# bench/proxy-common.sh: what the bench/proxy-* scripts share (sourced).
# A stack (tests/stack/stack: the pool with its proxy process on nginx, no
# engine, no Apache) in a work dir, fast loopback backends (a second nginx
# that answers "ok" on the ports asked), the API with the admin key, and
# cleanup of everything started, by pid.

set -euo pipefail

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_SRC/.." && pwd)
STACK=${BENCH_STACK:-$REPO/tests/stack/stack}
W=${BENCH_DIR:-$(mktemp -d /tmp/cc-bench-proxy.XXXXXX)}
BE_PIDS=()

say() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
	local p
	for p in "${BE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	"$STACK" stop "$W/stack" >/dev/null 2>&1 || true
	[[ -n ${BENCH_KEEP:-} ]] || rm -rf -- "$W"
}
trap cleanup EXIT

# stack_up [EXTRA_CONF]: the stack, with the proxy rendering for nginx.
stack_up() {
	mkdir -p "$W/stack"
	STACK_PODMAN=0 STACK_APACHE_PORT=none STACK_WORKERS=${BENCH_WORKERS:-2} \
	STACK_EXTRA_CONF="proxy_server = nginx
proxy_check = nginx -t -q -c @STACK_DIR@/nginx/nginx.conf -p @STACK_DIR@/nginx/
proxy_reload = signal:@STACK_DIR@/nginx/nginx.pid
proxy_error_log = @STACK_DIR@/logs/nginx-error.log
access_log = false
${1:-}" "$STACK" start "$W/stack" >"$W/stack.log" 2>&1 || {
		cat "$W/stack.log" >&2
		exit 1
	}
	# shellcheck disable=SC1091
	. "$W/stack/stack.env"
	KEY="X-API-Key: $ADMIN_KEY"
	# the first render waits for nginx, which starts after the pool
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -L $DATA_DIR/proxy/current ]] && return 0
		sleep 0.1
	done
	say "the proxy process did not render"
	exit 1
}

# backend FIRST_PORT COUNT: one nginx answering "ok" on COUNT ports.
backend() {
	local first=$1 n=$2 d=$W/be-$1 p
	mkdir -p "$d"
	{
		echo "worker_processes 1; daemon off; pid $d/nginx.pid;"
		echo "error_log $d/error.log; worker_rlimit_nofile 8192;"
		echo "events { worker_connections 4096; }"
		echo "http { access_log off; keepalive_requests 100000;"
		echo "  server {"
		for ((p = first; p < first + n; p++)); do echo "    listen 127.0.0.1:$p;"; done
		echo "    location / { default_type text/plain; return 200 \"ok\\n\"; }"
		echo "  }"
		echo "}"
	} >"$d/nginx.conf"
	setsid nginx -c "$d/nginx.conf" -p "$d/" </dev/null >>"$d/error.log" 2>&1 &
	BE_PIDS+=("$!")
	for ((p = 0; p < 50; p++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$first/" && return 0
		sleep 0.1
	done
	say "backend on $first did not start"
	exit 1
}

# api METHOD PATH [BODY-FILE]: the status; the body in $W/last.json.
api() {
	local args=(-s -o "$W/last.json" -w '%{http_code}' -X "$1" -H "$KEY")
	[[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$3")
	curl "${args[@]}" "$NGINX_URL/api/v1$2"
}

# The proxy process's pid.
proxy_pid() {
	curl -s -H "$KEY" "$NGINX_URL/api/v1/system/info" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["system"]["pool"]["processes"]:
    if p["kind"] == "proxy":
        print(p["pid"])'
}

# The free port base: BENCH_PORT or one picked in 20000-40000.
port_base() {
	echo "${BENCH_PORT:-$((20000 + RANDOM % 20000))}"
}
