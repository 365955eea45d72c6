#!/usr/bin/env bash
# Builds the apps in clients/ (npm ci when the lock file changed, then vite
# build) when a source of theirs, or the API spec their client is typed from,
# is newer than the last build. `--check` also runs what CI checks first: the
# generated API types current with openapi/openapi.yaml, the type check, the
# unit tests, and the web app's JavaScript budget.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CRM_ROOT"

check=0
[ "${1:-}" = "--check" ] && check=1

scripts/deps.sh clients

if [ "$check" -eq 1 ]; then
	crm_log "clients: API types current with the spec, type check, unit tests"
	(cd clients && npm run --silent check:gen && npm run --silent typecheck && npm run --silent test:unit)
fi

stamp=clients/web/dist/index.html
stale() {
	[ -f "$stamp" ] || return 0
	[ -n "$(find clients openapi/openapi.yaml \( -name node_modules -o -name dist \) -prune -o -type f -newer "$stamp" -print -quit)" ]
}
if stale; then
	crm_log "building the apps (clients/)"
	(cd clients && npm run --silent build)
fi

if [ "$check" -eq 1 ]; then
	node clients/web/scripts/budget.mjs
fi
