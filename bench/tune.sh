# tune.sh: sourced by bench/run.  The nginx<->pool settings measured against
# each other (bench/run --tune), and the soak run (--soak SECS).  Every
# variant is its own pool behind its own nginx server block, in the same
# nginx, measured with the same wrk settings as the scenarios.

TUNE_WORKERS=${BENCH_TUNE_WORKERS:-1 2 4 8}
TUNE_BACKLOG_CONNS=${BENCH_TUNE_BACKLOG_CONNS:-256}

# tune_server PORT SNIPPET_ADDR KEEP [UPSTREAM_BLOCK]: one nginx server for a
# variant, from the shipped snippet.
tune_server() {
	NGINX_SERVERS+="
    ${4:-}
    server {
        listen 127.0.0.1:$1;
$(cc_snippet "$2" "$3" | sed 's/^/        /')
    }"
}

tune_port() { echo $((PORT + 10 + $1)); }

# Pools: one per worker count; keep_conn on with an upstream keepalive pool
# of as many connections as workers; TCP; a short backlog; no recycling.
tune_setup() {
	local w i=0
	for w in $TUNE_WORKERS; do
		start_pool "tw$w" "$w" "unix:$D/tw$w.sock" "$POOL_EXTRA"
		tune_server "$(tune_port $i)" "unix:$D/tw$w.sock" ""
		TUNE_W_PORT[$w]=$(tune_port $i)
		i=$((i + 1))
	done
	start_pool tka "$WORKERS" "unix:$D/tka.sock" "$POOL_EXTRA"
	tune_server "$(tune_port 10)" cc_tka on \
		"upstream cc_tka { server unix:$D/tka.sock; keepalive $WORKERS; }"
	# Kept connections fewer than workers over all nginx workers: at most
	# NGINX_WORKERS pool workers can be pinned, the rest stay free.
	start_pool tka1 "$WORKERS" "unix:$D/tka1.sock" "$POOL_EXTRA"
	tune_server "$(tune_port 14)" cc_tka1 on \
		"upstream cc_tka1 { server unix:$D/tka1.sock; keepalive 1; }"
	start_pool ttcp "$WORKERS" "127.0.0.1:$((PORT + 40))" "$POOL_EXTRA"
	tune_server "$(tune_port 11)" "127.0.0.1:$((PORT + 40))" ""
	start_pool tbl "$WORKERS" "unix:$D/tbl.sock" \
		"$POOL_EXTRA"$'\n'"backlog = 128"
	tune_server "$(tune_port 12)" "unix:$D/tbl.sock" ""
	start_pool tmr "$WORKERS" "unix:$D/tmr.sock" \
		"$POOL_EXTRA"$'\n'"max_requests = 0"
	tune_server "$(tune_port 13)" "unix:$D/tmr.sock" ""
}
declare -A TUNE_W_PORT=()

# starve_probe URL: 20 sequential requests right after a burst of load; how
# many took more than 3 s (or failed), and the slowest, in ms.
starve_probe() {
	local url=$1 i t slow=0 max=0 code
	wrk -t"$THREADS" -c"$CONNS" -d2s "$url" >/dev/null 2>&1 || true
	for ((i = 0; i < 20; i++)); do
		read -r code t < <(curl -s -o /dev/null --max-time 3 \
			-w '%{http_code} %{time_total}\n' "$url" || echo "000 3")
		t=$(awk -v t="$t" 'BEGIN { printf "%d", t * 1000 }')
		((t > max)) && max=$t
		[[ $code == 200 ]] || slow=$((slow + 1))
	done
	echo "$slow $max"
}

tune_run() {
	local w t u
	for w in $TUNE_WORKERS; do
		add_row "workers=$w" "http://127.0.0.1:${TUNE_W_PORT[$w]}/api/v1/health" \
			"children:${POOL_PIDS[tw$w]}"
	done
	measure tune-workers "Tuning: worker count (public health)"

	add_row "keep_conn off" "$(url 4 /api/v1/health)" "$CC_PROC"
	add_row "keep_conn on" "http://127.0.0.1:$(tune_port 10)/api/v1/health" \
		"children:${POOL_PIDS[tka]}"
	add_row "keep_conn on, keepalive 1" "http://127.0.0.1:$(tune_port 14)/api/v1/health" \
		"children:${POOL_PIDS[tka1]}"
	measure tune-keepconn "Tuning: fastcgi_keep_conn + upstream keepalive ($WORKERS, or 1 per nginx worker), against a connection per request"
	for t in off on on1; do
		case $t in
		off) u=$(url 4 /api/v1/health) ;;
		on) u="http://127.0.0.1:$(tune_port 10)/api/v1/health" ;;
		on1) u="http://127.0.0.1:$(tune_port 14)/api/v1/health" ;;
		esac
		read -r slow max < <(starve_probe "$u")
		note tune-keepconn "starvation probe, keep_conn ${t/on1/on with keepalive 1}: after a 2 s burst at -c$CONNS, $slow of 20 sequential requests failed or took over 3 s; slowest ${max} ms"
	done

	add_row "backlog 1024" "$(url 4 /api/v1/health)" "$CC_PROC"
	add_row "backlog 128" "http://127.0.0.1:$(tune_port 12)/api/v1/health" \
		"children:${POOL_PIDS[tbl]}"
	measure tune-backlog "Tuning: listen backlog under -c$TUNE_BACKLOG_CONNS" \
		"$TUNE_BACKLOG_CONNS"

	add_row unix "$(url 4 /api/v1/health)" "$CC_PROC"
	add_row tcp "http://127.0.0.1:$(tune_port 11)/api/v1/health" \
		"children:${POOL_PIDS[ttcp]}"
	measure tune-socket "Tuning: unix socket against TCP 127.0.0.1"

	add_row "max_requests default" "$(url 4 /api/v1/health)" "$CC_PROC"
	add_row "max_requests 0" "http://127.0.0.1:$(tune_port 13)/api/v1/health" \
		"children:${POOL_PIDS[tmr]}"
	measure tune-recycle "Tuning: worker recycling (max_requests) against none"
}

# soak: Container Codes' health (a pool with max_requests = 0, so the same
# workers live through the whole run) for SOAK seconds, with each worker's
# RSS sampled every 10 s.  Growth shows as a rising mean.
soak() {
	local u pid=${POOL_PIDS[soak]} t=0 wpid line k v
	u="http://127.0.0.1:$((PORT + 9))/api/v1/health"
	wrk -t"$THREADS" -c"$CONNS" -d5s "$u" >/dev/null 2>&1 || true
	: >"$D/soak-rss.tsv"
	soak_sample() {
		for k in /proc/[0-9]*/stat; do
			{ read -r wpid _ _ v _ <"$k"; } 2>/dev/null || continue
			[[ $v == "$pid" ]] || continue
			v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$wpid/status" 2>/dev/null) || continue
			printf '%s\t%s\t%s\n' "$1" "$wpid" "$v" >>"$D/soak-rss.tsv"
		done
	}
	soak_sample 0
	msg "soak: ${SOAK}s of public health against a pool with max_requests = 0"
	BENCH_METHOD=GET wrk -t"$THREADS" -c"$CONNS" -d"${SOAK}s" --timeout "$TIMEOUT" \
		-s "$BENCH_SRC/wrk.lua" "$u" >"$D/soak-wrk.txt" 2>&1 &
	local wrk_pid=$!
	while alive "$wrk_pid" && ((t < SOAK + 30)); do
		sleep 10
		t=$((t + 10))
		alive "$wrk_pid" && soak_sample "$t"
	done
	wait "$wrk_pid" || true
	soak_sample end
	line=$(grep '^BENCH ' "$D/soak-wrk.txt") || line="BENCH 0 1 0 1 0 0 0 0 0 0 0 0"
	read -r _ req dur bytes ec er ew es et p50 p90 p99 max <<<"$line"
	printf 'soak\tSoak: public health for %ss (max_requests = 0)\t%s\n' \
		"$SOAK" "$CONNS" >>"$D/scenarios.tsv"
	printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		soak cc 1 "$req" "$dur" "$bytes" "$ec" "$er" "$ew" "$es" "$et" \
		"$p50" "$p90" "$p99" "$max" >>"$D/raw.tsv"
	printf '%s\t%s\t%s\n' soak cc "$(rss_kib "children:$pid")" >>"$D/rss.tsv"
}
