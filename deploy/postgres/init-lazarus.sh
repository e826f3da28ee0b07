#!/bin/sh
# Creates the `lazarus` role and database (Lazarus's inventory store) beside Temporal's databases, on the first start
# of an empty data volume (the postgres image runs /docker-entrypoint-initdb.d/*.sh once). The password comes from
# LAZARUS_DB_PASSWORD (docker-compose.yml passes it; set it in .env for anything but a laptop); psql quotes it.
set -eu
: "${LAZARUS_DB_PASSWORD:?LAZARUS_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v password="$LAZARUS_DB_PASSWORD" <<'SQL'
CREATE ROLE lazarus LOGIN PASSWORD :'password';
CREATE DATABASE lazarus OWNER lazarus;
SQL
