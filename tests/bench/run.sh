#!/usr/bin/env bash
# `make bench`: GET /v1/customers/{id} with a JWT against the two figures that
# bound it (DESIGN.md §7), on loopback, with PostgreSQL on the same machine:
#   H  GET /v1/ping, a static answer of the same server (HTTP ceiling)
#   S  GET /v1/customers/{id} with a bearer token (what is measured)
#   P  pgbench running the server's own SQL for it (database ceiling)
#   C  = 1/(1/H + 1/P), the combined ceiling; target S >= 85% of C
# and, when tests/bench/peer/ exists, F: a Fastify + node-postgres service doing
# the same work (target S >= 3 F); then, served by the same server, the
# field-sales app's first sync of 5,000 customers with a year of history and
# its offline search in Chromium (tests/bench/mobile_first_sync.mjs; target
# first sync < 10 s). Results go to build/bench-results.txt.
#
# Knobs (environment): BENCH_SECONDS (10), BENCH_CONNECTIONS (32),
# BENCH_CUSTOMERS (100000), BENCH_THREADS (server workers, 4), BENCH_PEER (1; 0 skips F),
# BENCH_MOBILE (1; 0 skips the mobile app's first sync).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/common.sh
. "$BENCH_DIR/../../scripts/common.sh"
cd "$CRM_ROOT"

SECONDS_EACH="${BENCH_SECONDS:-10}"
DURATION="${SECONDS_EACH}s"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
CUSTOMERS="${BENCH_CUSTOMERS:-100000}"
THREADS="${BENCH_THREADS:-4}"
RUN_PEER="${BENCH_PEER:-1}"
RUN_MOBILE="${BENCH_MOBILE:-1}"
PG_DIR="build/bench-pg"
PG_PORT=5498
HTTP_PORT=18081
PEER_PORT=18082
BASE_URL="http://127.0.0.1:$HTTP_PORT"
RESULTS="build/bench-results.txt"
SERVER_LOG="build/bench-server.log"
PEER_LOG="build/bench-peer.log"
PGBENCH_SCRIPT="tests/bench/customer_get.pgbench"
SLUG="bench"
EMAIL="bench@bench.test"
PASSWORD="river-stone-crane-42" # not made of the e-mail address: new passwords may not be

server_pid=""
peer_pid=""

stop_pid() {
	local pid="$1"
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_pid "$server_pid"
	stop_pid "$peer_pid"
	scripts/pg.sh destroy "$PG_DIR" || true
	rm -rf -- build/bench-data
	# One JSON line per request adds up to hundreds of MB: keep the end only.
	local f
	for f in "$SERVER_LOG" "$PEER_LOG"; do
		if [ -f "$f" ]; then
			tail -n 2000 -- "$f" >"$f.tail" && mv -- "$f.tail" "$f"
		fi
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# json_get PATH: print the value at PATH (dot-separated) of the JSON on stdin.
json_get() {
	node -e '
		let s = "";
		process.stdin.on("data", (d) => (s += d)).on("end", () => {
			let v = JSON.parse(s);
			for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
			if (v === undefined || v === null) process.exit(1);
			console.log(typeof v === "object" ? JSON.stringify(v) : String(v));
		});' "$1"
}

# wrk_rps NAME URL [HEADER]: short warm-up, then the measured run; prints requests/s.
wrk_rps() {
	local name="$1" url="$2" out
	local -a hdr=()
	[ $# -ge 3 ] && hdr=(-H "$3")
	wrk -t2 -c"$CONNECTIONS" -d2s "${hdr[@]}" "$url" >/dev/null
	out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "${hdr[@]}" "$url")"
	printf '%s\n' "--- $name: wrk -t2 -c$CONNECTIONS -d$DURATION $url" "$out" >&2
	if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
		crm_warn "$name: some responses were not 2xx; its figure is not valid"
	fi
	awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

# --- set up ----------------------------------------------------------------
[ -f "$PGBENCH_SCRIPT" ] || printf 'SELECT 1;\n' >"$PGBENCH_SCRIPT"

scripts/deps.sh
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$RUN_PEER" = 1 ] && [ ! -f tests/bench/peer/package.json ]; then
	RUN_PEER=0
elif [ "$RUN_PEER" = 1 ] && [ "$node_major" -lt 20 ]; then
	crm_warn "the Fastify peer needs Node.js 20 or later (found $node_major): skipped"
	RUN_PEER=0
elif [ "$RUN_PEER" = 1 ]; then
	scripts/deps.sh tests/bench/peer
fi
scripts/build.sh release
declare -a serve_apps=()
if [ "$RUN_MOBILE" = 1 ]; then
	scripts/web.sh
	serve_apps=(CRM_MOBILE_DIR="$CRM_ROOT/clients/mobile/dist")
fi

for port in "$HTTP_PORT" "$PEER_PORT"; do
	if crm_port_busy "$port"; then crm_die "port $port is in use"; fi
done

scripts/pg.sh destroy "$PG_DIR"
scripts/pg.sh start "$PG_DIR" "$PG_PORT"
APP_DB="$(crm_pg_conninfo "$PG_DIR" "$PG_PORT" crm_app)"
OWNER_DB="$(crm_pg_conninfo "$PG_DIR" "$PG_PORT" crm_owner)"
export CRM_DATABASE_URL="$APP_DB" CRM_MIGRATE_URL="$OWNER_DB"

crm_log "migrate, tenant"
build/crm-server migrate
build/crm-server create-tenant --name "Bench Company" --slug "$SLUG" \
	--admin-email "$EMAIL" --admin-password "$PASSWORD" --admin-name "Bench Admin"

crm_log "starting build/crm-server (CRM_THREADS=$THREADS) on $BASE_URL"
mkdir -p build/bench-data
env "${serve_apps[@]}" CRM_DATA_DIR="$CRM_ROOT/build/bench-data" CRM_BIND=127.0.0.1 CRM_PORT="$HTTP_PORT" \
	CRM_THREADS="$THREADS" CRM_ACCESS_TTL=900 \
	build/crm-server serve >"$SERVER_LOG" 2>&1 &
server_pid=$!
crm_wait_http "$BASE_URL/healthz" 30 "$server_pid" || {
	tail -n 30 "$SERVER_LOG" >&2
	crm_die "the server did not come up"
}

login="$(curl -fsS "$BASE_URL/v1/auth/token" -H 'Content-Type: application/json' \
	-d "{\"grant_type\":\"password\",\"tenant\":\"$SLUG\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")" ||
	crm_die "POST /v1/auth/token failed"
TOKEN="$(json_get access_token <<<"$login")"
me="$(curl -fsS "$BASE_URL/v1/me" -H "Authorization: Bearer $TOKEN")" || crm_die "GET /v1/me failed"
TENANT_ID="$(json_get tenant.id <<<"$me")"
USER_ID="$(json_get user.id <<<"$me")"

crm_log "seeding $CUSTOMERS customers"
"$(crm_pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -v tid="$TENANT_ID" -v uid="$USER_ID" -v n="$CUSTOMERS" "$OWNER_DB" <<'SQL'
SET app.tenant_id = :'tid';
-- Seed data is not a user's change: no audit rows for it.
ALTER TABLE customers DISABLE TRIGGER USER;
INSERT INTO customers (tenant_id, id, name, owner_id, kind, status, phone, email)
SELECT :'tid'::uuid, gen_random_uuid(), 'Customer ' || g, :'uid'::uuid, 'company', 'active',
       '+86 10 ' || lpad(g::text, 8, '0'), 'customer' || g || '@example.com'
  FROM generate_series(1, :n) AS g;
ALTER TABLE customers ENABLE TRIGGER USER;
ANALYZE customers;
SQL
CUSTOMER_ID="$("$(crm_pg_bindir)/psql" -X -At -q -v ON_ERROR_STOP=1 -v tid="$TENANT_ID" -v name="Customer $((CUSTOMERS / 2 + 1))" "$OWNER_DB" <<'SQL'
SET app.tenant_id = :'tid';
SELECT id FROM customers WHERE tenant_id = :'tid' AND name = :'name';
SQL
)"
[ -n "$CUSTOMER_ID" ] || crm_die "no customer id after seeding"

status="$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/v1/customers/$CUSTOMER_ID" -H "Authorization: Bearer $TOKEN")"
[ "$status" = 200 ] || crm_die "GET /v1/customers/$CUSTOMER_ID answered $status, not 200"

# --- measure ---------------------------------------------------------------
crm_log "H: GET /v1/ping"
H="$(wrk_rps H "$BASE_URL/v1/ping")"
crm_log "S: GET /v1/customers/{id}"
S="$(wrk_rps S "$BASE_URL/v1/customers/$CUSTOMER_ID" "Authorization: Bearer $TOKEN")"

crm_log "P: pgbench $PGBENCH_SCRIPT"
pgbench_out="$(PGOPTIONS="-c app.tenant_id=$TENANT_ID -c plan_cache_mode=force_generic_plan" \
	"$(crm_pg_bindir)/pgbench" -n -M prepared -c 8 -j 2 -T "$SECONDS_EACH" -f "$PGBENCH_SCRIPT" \
	-D tid="$TENANT_ID" -D cid="$CUSTOMER_ID" -D uid="$USER_ID" "$APP_DB")"
printf '%s\n' "--- P: pgbench -n -M prepared -c 8 -j 2 -T $SECONDS_EACH" "$pgbench_out" >&2
P="$(awk '/^tps = / { print $3; exit }' <<<"$pgbench_out")"

F=""
if [ "$RUN_PEER" = 1 ]; then
	crm_log "F: Fastify peer on 127.0.0.1:$PEER_PORT"
	PEER_PORT="$PEER_PORT" PEER_DATABASE_URL="$(crm_pg_uri "$PG_DIR" "$PG_PORT" crm_app)" \
		PEER_JWKS_URL="$BASE_URL/.well-known/jwks.json" PEER_ISSUER="${CRM_ISSUER:-crm}" \
		node tests/bench/peer/server.js >"$PEER_LOG" 2>&1 &
	peer_pid=$!
	if crm_wait_http "http://127.0.0.1:$PEER_PORT/healthz" 30 "$peer_pid"; then
		peer_status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PEER_PORT/v1/customers/$CUSTOMER_ID" -H "Authorization: Bearer $TOKEN")"
		if [ "$peer_status" = 200 ]; then
			F="$(wrk_rps F "http://127.0.0.1:$PEER_PORT/v1/customers/$CUSTOMER_ID" "Authorization: Bearer $TOKEN")"
		else
			crm_warn "the Fastify peer answered $peer_status, not 200: skipped"
		fi
	else
		tail -n 20 "$PEER_LOG" >&2 || true
		crm_warn "the Fastify peer did not start: skipped"
	fi
	stop_pid "$peer_pid"
	peer_pid=""
fi

for v in H S P; do
	[ -n "${!v}" ] || crm_die "no figure for $v (see the output above)"
done

# --- report ----------------------------------------------------------------
report="$(awk -v H="$H" -v S="$S" -v P="$P" -v F="$F" -v n="$CUSTOMERS" -v d="$DURATION" \
	-v c="$CONNECTIONS" -v t="$THREADS" -v when="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v cpus="$(crm_jobs)" 'BEGIN {
	C = 1 / (1 / H + 1 / P)
	printf "benchmark %s: %d CPUs, %d customers, server threads %d, wrk -t2 -c%d -d%s\n", when, cpus, n, t, c, d
	printf "H  GET /v1/ping                    %10.0f rps\n", H
	printf "S  GET /v1/customers/{id} (JWT)    %10.0f rps\n", S
	printf "P  pgbench, same SQL               %10.0f tps\n", P
	printf "C  ceiling 1/(1/H+1/P)             %10.0f rps\n", C
	printf "S/C                                %10.1f %%   (target >= 85%%)\n", 100 * S / C
	if (F != "") {
		printf "F  Fastify + node-postgres peer    %10.0f rps\n", F
		printf "S/F                                %10.2f x   (target >= 3x)\n", S / F
	}
}')"
if [ "$RUN_MOBILE" = 1 ]; then
	crm_log "the mobile app's first sync and offline search (tests/bench/mobile_first_sync.mjs)"
	# Signs up an organization of its own (the sign-up limits of a default server allow it).
	if mobile="$(cd tests && CRM_TEST_URL="$BASE_URL" CRM_E2E_URL="$BASE_URL" \
		CRM_TEST_OWNER_DB="$(crm_pg_uri "$PG_DIR" "$PG_PORT" crm_owner)" \
		timeout --foreground -k 10 900 node bench/mobile_first_sync.mjs)"; then
		report+=$'\n'"mobile app (Chromium, phone screen, loopback):"$'\n'"$mobile"
	else
		crm_warn "the mobile app's benchmark failed: ${mobile:-no output}"
	fi
fi

printf '\n%s\n' "$report"
printf '%s\n' "$report" >"$RESULTS"
crm_log "written to $RESULTS"
