#!/usr/bin/env bash
# A PostgreSQL cluster of the project's own, never the system's: data in
# DIR/data, Unix socket in DIR/run, log in DIR/log, on its own port.
#
#   scripts/pg.sh start DIR PORT [--fast]  init on first use, start, create roles + db
#   scripts/pg.sh stop DIR                 fast shutdown (no error when not running)
#   scripts/pg.sh restart DIR              stop then start on the recorded port
#   scripts/pg.sh status DIR               exit 0 when running
#   scripts/pg.sh env DIR PORT             print export lines for the conninfo strings
#   scripts/pg.sh destroy DIR              stop and delete DIR
#
# --fast turns off fsync, synchronous_commit and full_page_writes: for
# throwaway test clusters only, a crash can corrupt such a cluster.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
	sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

BIN="$(crm_pg_bindir)"
PGUSER_OS="$(crm_pg_user)"

# chown_pg PATH...: hand PATH to the cluster's user (a no-op when not root).
chown_pg() {
	if crm_is_root; then
		chown "$PGUSER_OS" -- "$@"
	fi
}

# Socket names are limited to 107 bytes; with a deep checkout DIR/run may be too
# long, then DIR/run becomes a symlink to a short directory under /tmp.
prepare_socket_dir() {
	local dir="$1" port="$2" run="$1/run" target
	if [ -L "$run" ]; then
		target="$(readlink -- "$run")"
		if [ ! -d "$target" ]; then
			mkdir -p -- "$target"
			chmod 755 -- "$target"
			chown_pg "$target"
		fi
		return
	fi
	if [ $((${#run} + ${#port} + 10)) -le 100 ]; then
		mkdir -p -- "$run"
		chmod 755 -- "$run"
		return
	fi
	target="$(mktemp -d "${TMPDIR:-/tmp}/crm-pg.XXXXXX")"
	chmod 755 -- "$target"
	chown_pg "$target"
	ln -s -- "$target" "$run"
}

# The settings this project owns live in DIR/data/crm.conf, included from
# postgresql.conf and rewritten on every start.
write_conf() {
	local dir="$1" port="$2" fast="$3" sock
	sock="$(crm_pg_socket_dir "$dir")"
	{
		printf '# written by scripts/pg.sh on every start; edit that script, not this file\n'
		printf "port = %s\n" "$port"
		printf "listen_addresses = ''\n"
		printf "unix_socket_directories = '%s'\n" "${sock//\'/\'\'}"
		printf "max_connections = 200\n"
		printf "shared_buffers = 128MB\n"
		if [ "$fast" = 1 ]; then
			printf "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
		fi
	} >"$dir/data/crm.conf"
	chown_pg "$dir/data/crm.conf"
}

recorded_port() {
	sed -n "s/^port = \([0-9][0-9]*\)$/\1/p" "$1/data/crm.conf" 2>/dev/null | tail -n 1
}

recorded_fast() {
	if grep -q '^fsync = off$' "$1/data/crm.conf" 2>/dev/null; then echo 1; else echo 0; fi
}

is_running() {
	[ -f "$1/data/PG_VERSION" ] && crm_as_pg "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

psql_super() {
	local dir="$1" port="$2"
	shift 2
	"$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(crm_pg_socket_dir "$dir")" -p "$port" -U postgres "$@"
}

# Roles and database; idempotent, so it runs on every start and repairs a
# first start that was interrupted half-way.
bootstrap() {
	local dir="$1" port="$2"
	psql_super "$dir" "$port" -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_owner') THEN
    CREATE ROLE crm_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_app') THEN
    CREATE ROLE crm_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
ALTER ROLE crm_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
ALTER ROLE crm_app SET statement_timeout = '5s';
SELECT 'CREATE DATABASE crm OWNER crm_owner ENCODING ''UTF8'''
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'crm') \gexec
SQL
}

cmd_start() {
	local dir port fast=0
	[ $# -ge 2 ] || usage
	dir="$(crm_abspath "$1")"
	port="$2"
	[ "${3:-}" = "--fast" ] && fast=1
	case "$port" in '' | *[!0-9]*) crm_die "port must be a number: $port" ;; esac

	mkdir -p -- "$dir"
	chmod 755 -- "$dir"
	prepare_socket_dir "$dir" "$port"
	if crm_is_root; then
		chown -R "$PGUSER_OS" -- "$dir"
		crm_as_pg test -x "$dir" ||
			crm_die "user $PGUSER_OS cannot enter $dir: a parent folder is closed to other users (chmod o+x it, or check out elsewhere)"
	fi

	if [ ! -f "$dir/data/PG_VERSION" ]; then
		crm_log "initdb $dir/data"
		rm -rf -- "$dir/data"
		mkdir -m 700 -- "$dir/data"
		chown_pg "$dir/data"
		crm_as_pg "$BIN/initdb" -D "$dir/data" --username=postgres --encoding=UTF8 \
			--locale=C.UTF-8 --auth=trust >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			crm_die "initdb failed"
		}
		printf "\ninclude_if_exists = 'crm.conf'\n" >>"$dir/data/postgresql.conf"
	fi

	if is_running "$dir"; then
		if [ "$(recorded_port "$dir")" != "$port" ]; then
			crm_die "cluster $dir already runs on port $(recorded_port "$dir"), not $port"
		fi
	else
		write_conf "$dir" "$port" "$fast"
		crm_log "starting PostgreSQL in $dir (port $port)"
		if ! crm_as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null; then
			tail -n 30 "$dir/log" >&2 || true
			crm_die "PostgreSQL did not start (log: $dir/log)"
		fi
	fi
	bootstrap "$dir" "$port"
}

cmd_stop() {
	local dir
	[ $# -ge 1 ] || usage
	dir="$(crm_abspath "$1")"
	if is_running "$dir"; then
		crm_log "stopping PostgreSQL in $dir"
		crm_as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
	fi
}

cmd_restart() {
	local dir port
	[ $# -ge 1 ] || usage
	dir="$(crm_abspath "$1")"
	port="$(recorded_port "$dir")"
	[ -n "$port" ] || crm_die "no cluster in $dir (start it first)"
	local fast
	fast="$(recorded_fast "$dir")"
	cmd_stop "$dir"
	if [ "$fast" = 1 ]; then cmd_start "$dir" "$port" --fast; else cmd_start "$dir" "$port"; fi
}

cmd_status() {
	local dir
	[ $# -ge 1 ] || usage
	dir="$(crm_abspath "$1")"
	if is_running "$dir"; then
		printf 'running: %s (port %s)\n' "$dir" "$(recorded_port "$dir")"
	else
		printf 'stopped: %s\n' "$dir"
		return 3
	fi
}

cmd_env() {
	local dir port
	[ $# -ge 2 ] || usage
	dir="$(crm_abspath "$1")"
	port="$2"
	printf 'export CRM_PG_APP=%q\n' "$(crm_pg_conninfo "$dir" "$port" crm_app)"
	printf 'export CRM_PG_OWNER=%q\n' "$(crm_pg_conninfo "$dir" "$port" crm_owner)"
	printf 'export CRM_PG_APP_URI=%q\n' "$(crm_pg_uri "$dir" "$port" crm_app)"
	printf 'export CRM_PG_OWNER_URI=%q\n' "$(crm_pg_uri "$dir" "$port" crm_owner)"
}

cmd_destroy() {
	local dir target=""
	[ $# -ge 1 ] || usage
	dir="$(crm_abspath "$1")"
	[ -e "$dir" ] || return 0
	cmd_stop "$dir" || true
	[ -L "$dir/run" ] && target="$(readlink -- "$dir/run")"
	rm -rf -- "$dir"
	case "$target" in "${TMPDIR:-/tmp}"/crm-pg.*) rm -rf -- "$target" ;; esac
	return 0
}

[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
restart) cmd_restart "$@" ;;
status) cmd_status "$@" ;;
env) cmd_env "$@" ;;
destroy) cmd_destroy "$@" ;;
*) usage ;;
esac
