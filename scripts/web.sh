#!/usr/bin/env bash
# Builds the apps in clients/ (npm ci when the lock file changed, then vite
# build) when a source of theirs, or the API spec their client is typed from,
# is newer than the last build. `--check` also runs what CI checks first: the
# generated API types current with openapi/openapi.yaml, the type check, the
# unit tests, and each app's JavaScript budget (web 400 KB, mobile 250 KB).
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

APPS=(web mobile)

# stale APP: whether clients/APP/dist is missing or older than a source it is
# built from — its own folder, clients/shared and the workspace's files, or the
# API spec (the other app's sources do not count).
stale() {
	local app="$1" other
	local stamp="clients/$app/dist/index.html"
	[ -f "$stamp" ] || return 0
	local -a prune=(-name node_modules -o -name dist)
	for other in "${APPS[@]}"; do
		[ "$other" = "$app" ] || prune+=(-o -path "clients/$other")
	done
	[ -n "$(find clients openapi/openapi.yaml \( "${prune[@]}" \) -prune -o -type f -newer "$stamp" -print -quit)" ]
}
for app in "${APPS[@]}"; do
	if stale "$app"; then
		crm_log "building the $app app (clients/$app)"
		(cd clients && npm run --silent build --workspace "$app")
	fi
done

if [ "$check" -eq 1 ]; then
	node clients/web/scripts/budget.mjs
	node clients/mobile/scripts/budget.mjs
fi
