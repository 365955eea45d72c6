#!/bin/sh
# Container entrypoint: `serve` (the default) waits for the database, applies
# migrations as the owner role, optionally creates the demo tenant, then runs
# the server as PID 1 so SIGTERM reaches it. Other crm-server subcommands run
# as given; anything else (e.g. `sh`) is executed as is.
set -eu

case "${1:-serve}" in
serve)
	# The database may still be starting: retry for up to a minute.
	tries=0
	until crm-server migrate; do
		tries=$((tries + 1))
		if [ "$tries" -ge 30 ]; then
			echo "docker-entrypoint: migrations failed 30 times, giving up" >&2
			exit 1
		fi
		sleep 2
	done
	if [ "${CRM_DEMO_TENANT:-0}" = 1 ]; then
		# Exits 0 when the tenant exists already.
		crm-server create-tenant --name "Demo Company" --slug demo \
			--admin-email admin@demo.test --admin-password demo-password-123 --admin-name "Demo Admin"
	fi
	exec crm-server "$@"
	;;
migrate | create-tenant | create-user)
	exec crm-server "$@"
	;;
*)
	exec "$@"
	;;
esac
