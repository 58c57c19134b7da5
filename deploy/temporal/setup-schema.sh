#!/bin/sh
# One-shot, before the Temporal server starts: create both PostgreSQL databases and bring their
# schemas up to the version this admin-tools image ships (safe to re-run: update-schema is idempotent).
set -eu
: "${POSTGRES_SEEDS:?}" "${DB_PORT:?}" "${POSTGRES_USER:?}"
export SQL_PASSWORD="${POSTGRES_PWD:?}"
SCHEMA=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for db in temporal temporal_visibility; do
  sql --db "$db" create || echo "database $db already exists"
done

sql --db temporal setup-schema -v 0.0
sql --db temporal update-schema -d "$SCHEMA/temporal/versioned"
sql --db temporal_visibility setup-schema -v 0.0
sql --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"
echo "temporal and temporal_visibility schemas are up to date"
