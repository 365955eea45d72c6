#!/usr/bin/env bash
# Installs what building, running and testing the project needs (Debian/Ubuntu),
# then the API tests' npm packages. Safe to run again: it only adds what is missing.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

packages=(
	build-essential cmake pkg-config
	libulfius-dev libjansson-dev libpq-dev libjwt-dev libcmocka-dev
	libargon2-dev libssl-dev libmicrohttpd-dev liborcania-dev
	libglib2.0-dev libpwquality-dev cracklib-runtime
	libcairo2-dev libpango1.0-dev fonts-wqy-microhei poppler-utils
	postgresql postgresql-contrib
	wrk curl
	chromium
)

# Node 20.19+ with npm (what Vite needs) from elsewhere (nodesource, nvm, ...)
# is fine; only fall back to Debian's packages when there is none, or it is too old.
node_ok() {
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
	node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null
}
if ! node_ok; then
	packages+=(nodejs npm)
fi

installed() {
	dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed
}

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	command -v apt-get >/dev/null 2>&1 || crm_die "missing packages (${missing[*]}) and no apt-get: install them by hand"
	crm_log "installing: ${missing[*]}"
	crm_privileged env DEBIAN_FRONTEND=noninteractive apt-get update -q
	crm_privileged env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	node_ok || crm_die "node >= 20.19 and npm are needed (found: $(node --version 2>/dev/null || echo none))"
fi

# Debian's postgresql package starts a system cluster on 5432; ours never
# touches it, it runs its own (scripts/pg.sh).

# npm ci when node_modules is absent or older than the lock file. npm writes
# node_modules/.package-lock.json on every install, so its age is the install's.
npm_ci_if_stale() {
	local dir="$1"
	[ -f "$dir/package-lock.json" ] || return 0
	if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
		[ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		crm_log "npm ci in ${dir#"$CRM_ROOT"/}"
		(cd "$dir" && npm ci --no-audit --no-fund)
	fi
}

npm_ci_if_stale "$CRM_ROOT/tests"
for extra in "$@"; do
	npm_ci_if_stale "$CRM_ROOT/$extra"
done
