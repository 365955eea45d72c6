# Shared helpers for the project's shell scripts; source it, don't run it.
# Everything here resolves paths at run time: nothing machine-specific is stored.

# shellcheck shell=bash

CRM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CRM_ROOT

crm_log() { printf '==> %s\n' "$*" >&2; }
crm_warn() { printf 'warning: %s\n' "$*" >&2; }
crm_die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

crm_is_root() { [ "$(id -u)" -eq 0 ]; }

# crm_privileged CMD...: run CMD as root (sudo only when we are not root).
crm_privileged() {
	if crm_is_root; then
		"$@"
	else
		sudo "$@"
	fi
}

# crm_abspath PATH: absolute form of PATH (which need not exist yet).
crm_abspath() {
	case "$1" in
	/*) realpath -m -- "$1" ;;
	*) realpath -m -- "$PWD/$1" ;;
	esac
}

# crm_pg_bindir: the newest PostgreSQL server binaries (initdb, pg_ctl, ...).
crm_pg_bindir() {
	if [ -n "${CRM_PG_BINDIR:-}" ]; then
		printf '%s\n' "$CRM_PG_BINDIR"
		return
	fi
	local dir
	dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
	[ -n "$dir" ] || crm_die "no PostgreSQL server binaries under /usr/lib/postgresql (run scripts/deps.sh)"
	printf '%s\n' "$dir"
}

# crm_pg_user: the OS user the cluster runs as. PostgreSQL refuses root, so
# root hands the cluster to Debian's `postgres` user.
crm_pg_user() {
	if crm_is_root; then
		printf 'postgres\n'
	else
		id -un
	fi
}

# crm_as_pg CMD...: run CMD as the cluster's OS user, from a directory it can enter.
crm_as_pg() {
	if crm_is_root; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# crm_pg_socket_dir DIR: the Unix-socket directory of the cluster under DIR.
# Normally DIR/run; when that path is too long for a socket name (108 bytes),
# DIR/run is a symlink to a short directory and the target is used instead.
crm_pg_socket_dir() {
	local run
	run="$(crm_abspath "$1")/run"
	if [ -L "$run" ]; then
		readlink -- "$run"
	else
		printf '%s\n' "$run"
	fi
}

# crm_pg_conninfo DIR PORT USER: libpq keyword/value conninfo for database crm.
crm_pg_conninfo() {
	printf 'host=%s port=%s dbname=crm user=%s\n' "$(crm_pg_socket_dir "$1")" "$2" "$3"
}

# crm_urlencode STRING: percent-encode everything but unreserved chars and '/'.
crm_urlencode() {
	local s="$1" out="" c i
	local LC_ALL=C
	for ((i = 0; i < ${#s}; i++)); do
		c="${s:i:1}"
		case "$c" in
		[A-Za-z0-9/._~-]) out+="$c" ;;
		*) out+="$(printf '%%%02X' "'$c")" ;;
		esac
	done
	printf '%s\n' "$out"
}

# crm_pg_uri DIR PORT USER: the same as a libpq/node-postgres URI.
crm_pg_uri() {
	printf 'postgresql://%s@/crm?host=%s&port=%s\n' "$3" "$(crm_urlencode "$(crm_pg_socket_dir "$1")")" "$2"
}

# crm_port_busy PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
crm_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# crm_wait_http URL SECONDS [PID]: wait until URL answers 2xx; give up early if PID dies.
crm_wait_http() {
	local url="$1" deadline=$((SECONDS + $2)) pid="${3:-}"
	while [ "$SECONDS" -lt "$deadline" ]; do
		if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
			return 0
		fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.2
	done
	return 1
}

# crm_jobs: parallel build jobs.
crm_jobs() { nproc 2>/dev/null || echo 2; }
