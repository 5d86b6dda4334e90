#!/usr/bin/env bash
# bench/deliveries.sh: outbox-to-sink deliveries per second (1 and 2 workers) and worker memory, as a table.
#
# Runs its own stack (STACK_STATE=.stack-bench, port BENCH_PORT, no workers of the stack's own),
# fills the outbox straight through SQL, starts connector-worker processes and times how long
# they take to deliver everything to the local Teams sink. The baseline, measured in the same
# run, is the sink itself under wrk with the same card: the ceiling any sender could reach here.
set -euo pipefail
shopt -s inherit_errexit
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export STACK_STATE=$ROOT/.stack-bench STACK_PORT=${BENCH_PORT:-8280} STACK_WORKERS=0
N=${BENCH_DELIVERIES:-20000}
WEBHOOKS=${BENCH_WEBHOOKS:-5000}
PENDING=${BENCH_PENDING:-100000}

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || exit 1; }
"$ROOT/scripts/stack" up >/dev/null
trap '"$ROOT/scripts/stack" down >/dev/null 2>&1' EXIT
set -a
. "$STACK_STATE/env"
set +a
psql() { command psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

# Webhooks and one notification; the outbox is filled per run.
psql >/dev/null <<SQL
DELETE FROM configurations WHERE config_name = 'bench';
INSERT INTO configurations (entity_id, config_name, content_url, webhook_url, webhook_kind, app_type,
    user_object_id, events, webhook_key)
SELECT e, 'bench', '$BASE_URL/Connector/Edit?entityId=' || e,
       '$SINK_URL/webhookb2/bench-' || i, 'connector', 'teams', gen_random_uuid(), '{builds}',
       encode(sha256(convert_to('$SINK_URL/webhookb2/bench-' || i, 'UTF8')), 'hex')
  FROM (SELECT i, gen_random_uuid() AS e FROM generate_series(1, $WEBHOOKS) i) s;
SQL

fill() {	# fill COUNT: COUNT pending deliveries, one notification per round over the webhooks
	psql >/dev/null <<SQL
DELETE FROM notifications WHERE idempotency_key LIKE 'bench-%';
TRUNCATE webhook_sends;
WITH n AS (INSERT INTO notifications (idempotency_key, request_hash, event, payload, deliveries)
           SELECT 'bench-' || k || '-' || gen_random_uuid(), 'x', 'builds',
                  '{"title":"Benchmark card","text":"A deployment finished","severity":"info",
                    "facts":[{"name":"Service","value":"api"},{"name":"Version","value":"1.2.3"}]}',
                  0
             FROM generate_series(1, ($1 + $WEBHOOKS - 1) / $WEBHOOKS) k
           RETURNING id, split_part(idempotency_key, '-', 2)::integer AS k),
     c AS (SELECT entity_id, row_number() OVER () AS r FROM configurations WHERE config_name = 'bench')
INSERT INTO deliveries (notification_id, entity_id)
SELECT n.id, c.entity_id FROM n, c WHERE (n.k - 1) * $WEBHOOKS + c.r <= $1;
SQL
	[ "$(psql -Atc "SELECT count(*) FROM deliveries WHERE state = 'pending'")" -eq "$1" ] ||
		{ echo "bench: the outbox does not hold $1 deliveries" >&2; exit 1; }
}
delivered() { psql -Atc "SELECT count(*) FROM deliveries WHERE state = 'delivered'"; }

start_workers() {	# start_workers K: K workers, pids in $WPIDS
	WPIDS=()
	local i
	for i in $(seq 1 "$1"); do
		CONNECTOR_LOG_FILE=$STACK_STATE/log/bench-worker.log CONNECTOR_LOG_LEVEL=warn \
		CONNECTOR_RATE_LIMITS=100000/1s CONNECTOR_WORKER_CONCURRENCY=128 \
			"$ROOT/fcgi/connector-worker" -c "$CONNECTOR_CONFIG" &
		WPIDS+=($!)
	done
}
stop_workers() { kill -TERM "${WPIDS[@]}" 2>/dev/null; wait "${WPIDS[@]}" 2>/dev/null || true; }
rss_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

run() {	# run K: deliveries per second with K workers
	fill "$N"
	curl -s -X POST "$SINK_URL/_reset" >/dev/null
	local t0 t1
	t0=$(date +%s.%N)
	start_workers "$1"
	local waited=0
	while [ "$(delivered)" -lt "$N" ]; do
		sleep 0.1
		waited=$((waited + 1))
		[ "$waited" -lt 3000 ] || { echo "bench: not all delivered after 300 s" >&2; exit 1; }
	done
	t1=$(date +%s.%N)
	stop_workers
	awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}

# Baseline: the sink alone, posted the same card by wrk (8 connections, 10 s).
card=$(node -e 'console.log(JSON.stringify({"@type":"MessageCard","@context":"https://schema.org/extensions",
  summary:"Benchmark card",themeColor:"0076D7",title:"Benchmark card",text:"A deployment finished",
  sections:[{facts:[{name:"Service",value:"api"},{name:"Version","value":"1.2.3"}]}]}))')
cat >"$STACK_STATE/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$card]]
wrk.headers["Content-Type"] = "application/json"
LUA
sink_rps=$(wrk -t2 -c8 -d10s -s "$STACK_STATE/post.lua" "$SINK_URL/webhookb2/bench-wrk" |
	awk '/^Requests\/sec/ {printf "%.0f", $2}')
curl -s -X POST "$SINK_URL/_reset" >/dev/null

one=$(run 1)
two=$(run 2)

# Memory: one worker with $PENDING pending deliveries, after 10 s of work.
fill "$PENDING"
start_workers 1
sleep 10
mem=$(rss_kb "${WPIDS[0]}")
stop_workers

printf '\n| measure (%s deliveries over %s webhooks, %s cores) | value | ratio to the sink ceiling |\n' \
	"$N" "$WEBHOOKS" "$(nproc)"
printf '|---|---|---|\n'
printf '| sink ceiling: wrk POSTing the same card (8 connections) | %s req/s | 1.00 |\n' "$sink_rps"
printf '| 1 worker, outbox to sink | %s deliveries/s | %s |\n' "$one" \
	"$(awk -v a="$one" -v b="$sink_rps" 'BEGIN { printf "%.2f", a / b }')"
printf '| 2 workers, outbox to sink | %s deliveries/s | %s |\n' "$two" \
	"$(awk -v a="$two" -v b="$sink_rps" 'BEGIN { printf "%.2f", a / b }')"
printf '| peak resident memory of 1 worker with %s pending | %s kB | |\n' "$PENDING" "$mem"
