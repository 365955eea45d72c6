#!/usr/bin/env bash
# `make run`: installs what is missing, builds the release server and the two
# apps (the office app at /, the field-sales app at /m/), starts the
# project's own PostgreSQL in data/pg, migrates, creates the demo tenant once,
# then serves in the foreground. Running it again reuses data/.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CRM_ROOT"

pg_port="${CRM_PG_PORT:-5433}"
export CRM_PORT="${CRM_PORT:-8080}"
export CRM_BIND="${CRM_BIND:-127.0.0.1}"
export CRM_DATA_DIR="${CRM_DATA_DIR:-$CRM_ROOT/data}"

scripts/deps.sh
scripts/build.sh release
scripts/web.sh
export CRM_WEB_DIR="${CRM_WEB_DIR:-$CRM_ROOT/clients/web/dist}"
export CRM_MOBILE_DIR="${CRM_MOBILE_DIR:-$CRM_ROOT/clients/mobile/dist}"
scripts/pg.sh start data/pg "$pg_port"

CRM_DATABASE_URL="$(crm_pg_conninfo data/pg "$pg_port" crm_app)"
CRM_MIGRATE_URL="$(crm_pg_conninfo data/pg "$pg_port" crm_owner)"
export CRM_DATABASE_URL CRM_MIGRATE_URL
mkdir -p -- "$CRM_DATA_DIR"

crm_log "migrating"
build/crm-server migrate

# Exits 0 (and says so) when the slug already exists.
crm_log "demo tenant"
build/crm-server create-tenant --name "Demo Company" --slug demo \
	--admin-email admin@demo.test --admin-password demo-password-123 --admin-name "Demo Admin"

if crm_port_busy "$CRM_PORT"; then
	crm_die "port $CRM_PORT is already in use; stop what runs there or pick another: CRM_PORT=8090 make run"
fi

host="$CRM_BIND"
[ "$host" = "0.0.0.0" ] && host=127.0.0.1
cat <<MSG

CRM on http://$host:$CRM_PORT  (PostgreSQL: $CRM_DATABASE_URL)

Open http://$host:$CRM_PORT/ in a browser and sign in as the demo admin:
organization "demo", email admin@demo.test, password demo-password-123.
The field-sales app for phones is at http://$host:$CRM_PORT/m/ (to reach it
from a phone on the same network, start with CRM_BIND=0.0.0.0 and open
http://<this computer's address>:$CRM_PORT/m/).

The API is under http://$host:$CRM_PORT/v1:

  curl -s http://$host:$CRM_PORT/v1/auth/token -H 'Content-Type: application/json' \\
    -d '{"grant_type":"password","tenant":"demo","email":"admin@demo.test","password":"demo-password-123"}'

then call the API with the access_token from the answer:

  curl -s http://$host:$CRM_PORT/v1/me -H "Authorization: Bearer \$TOKEN"

Ctrl-C stops the server; \`make stop\` stops PostgreSQL.

MSG

exec build/crm-server serve
