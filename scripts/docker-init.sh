#!/bin/bash
# PostgreSQL container init (mounted into /docker-entrypoint-initdb.d/, runs
# once, on an empty data volume): the two roles and the database of the CRM.
#   crm_owner  owns the database and, after `crm-server migrate`, every table
#   crm_app    what the server connects as: owns nothing, no superuser, no BYPASSRLS
# Passwords come from CRM_OWNER_PASSWORD and CRM_APP_PASSWORD.
# No `set -u`: the image's entrypoint may source this file instead of running it.
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
	-v owner_password="${CRM_OWNER_PASSWORD:?set CRM_OWNER_PASSWORD}" \
	-v app_password="${CRM_APP_PASSWORD:?set CRM_APP_PASSWORD}" <<'SQL'
CREATE ROLE crm_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE crm_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
ALTER ROLE crm_app SET statement_timeout = '5s';
CREATE DATABASE crm OWNER crm_owner ENCODING 'UTF8' TEMPLATE template0;
SQL
