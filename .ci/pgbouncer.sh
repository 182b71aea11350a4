#!/usr/bin/env bash
# A throwaway PgBouncer (Debian's package) in transaction mode in front of the local PostgreSQL,
# for the tests that must hold through a pooler: `.ci/pgbouncer.sh start PORT DIR` / `stop DIR`.
set -euo pipefail
action=$1
case "$action" in
  start)
    port=$2 dir=$3
    mkdir -p "$dir"
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${dir}/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = ${dir}/pgbouncer.log
pidfile = ${dir}/pgbouncer.pid
INI
    echo '"postgres" ""' > "$dir/userlist.txt"
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then
      chown -R postgres "$dir"
      pgbouncer -d -u postgres "$dir/pgbouncer.ini"
    else
      pgbouncer -d "$dir/pgbouncer.ini"
    fi
    for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p "$port" -q && exit 0; sleep 0.1; done
    echo "PgBouncer did not start:"; cat "$dir/pgbouncer.log"; exit 1
    ;;
  stop)
    dir=$2
    if [ -f "$dir/pgbouncer.pid" ]; then kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true; fi
    ;;
esac
