#!/usr/bin/env bash
# A throwaway primary and its streaming replica (made with pg_basebackup), for the read-replica
# tests: `.ci/replica.sh start PORT DIR` (primary on PORT, replica on PORT+1), `stop DIR`.
# The shared cluster on 5432 is never touched: its pg_hba.conf takes no replication connections.
set -euo pipefail
bin="/usr/lib/postgresql/$(ls /etc/postgresql | sort -n | tail -1)/bin"
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "$1" in
  start)
    port=$2 dir=$3 replica_port=$(( $2 + 1 ))
    mkdir -p "$dir"
    echo "$port" > "$dir/primary.port"
    echo "$replica_port" > "$dir/replica.port"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    as_postgres "'$bin/initdb' -D '$dir/primary' -A trust -U postgres --no-sync >/dev/null"
    echo "host replication all 127.0.0.1/32 trust" >> "$dir/primary/pg_hba.conf"
    as_postgres "'$bin/pg_ctl' -D '$dir/primary' -l '$dir/primary.log' -w \
      -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=replica\" start >/dev/null"
    as_postgres "'$bin/pg_basebackup' -h 127.0.0.1 -p $port -U postgres -D '$dir/replica' -R -X stream --no-sync"
    as_postgres "'$bin/pg_ctl' -D '$dir/replica' -l '$dir/replica.log' -w \
      -o \"-p $replica_port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
    psql -h 127.0.0.1 -p "$replica_port" -U postgres -tAc "SELECT pg_is_in_recovery()" | grep -q t
    ;;
  stop)
    dir=$2
    for node in replica primary; do
      [ -f "$dir/$node/postmaster.pid" ] && as_postgres "'$bin/pg_ctl' -D '$dir/$node' -m immediate stop >/dev/null" || true
    done
    rm -rf "$dir"
    ;;
  pg_ctl)  # pg_ctl DIR NODE ACTION: stop or start one node (the tests stop the replica)
    dir=$2 node=$3 action=$4
    if [ "$action" = start ]; then
      port=$(cat "$dir/$node.port")
      as_postgres "'$bin/pg_ctl' -D '$dir/$node' -l '$dir/$node.log' -w \
        -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null"
    else
      as_postgres "'$bin/pg_ctl' -D '$dir/$node' -m fast -w stop >/dev/null"
    fi
    ;;
esac
