#!/usr/bin/env bash
# Private PostgreSQL + two Redis roles (broker, cache) for development and CI, and a
# private RabbitMQ node when asked (BROKER_KIND=rabbitmq, or make test).
#
#   scripts/services.sh ensure-packages   install postgresql/redis-server/rabbitmq-server from Debian if missing
#   scripts/services.sh start             start (or reuse) the services under ./var, write ./.env
#                                         (RABBITMQ=wait|background|no, default no: also start
#                                         RabbitMQ and wait for it, or let it boot meanwhile)
#   scripts/services.sh wait-rabbitmq     start RabbitMQ if it is not running, wait until it answers
#   scripts/services.sh stop              stop the services started under ./var
#   scripts/services.sh status            show what is running
#
# Everything lives under ./var (data persists between runs and is reused):
#   var/pg              PostgreSQL data dir (owned by the postgres user when run as root)
#   var/pg-run          its socket dir and log file
#   var/redis-broker    Dramatiq broker Redis: noeviction, AOF everysec
#   var/redis-cache     cache Redis: 256mb allkeys-lru, no persistence
#   var/rabbitmq        RabbitMQ node (its own node name, AMQP and distribution ports, mnesia,
#                       logs, Erlang cookie); vhosts saleshub, saleshub_test,
#                       saleshub_test_w1..w3 (pytest-xdist workers) and saleshub_bench. It takes
#                       about 15 s to boot on a loaded 2-core machine, so make test starts it
#                       in the background and the tests that need it wait for it.
#   var/ports.env       ports chosen by the last start
# A service whose URL is already in the environment (DATABASE_URL, BROKER_URL or
# BROKER_REDIS_URL, CACHE_URL, RABBITMQ_URL) is not started; that URL is written to .env
# instead. BROKER_URL=amqp://… is RabbitMQ: the broker Redis is then BROKER_REDIS_URL, or
# the private one, written to .env as BROKER_REDIS_URL too.
# Nothing here uses the machine's system PostgreSQL (5432) or Redis (6379).
# SERVICES_VAR and SERVICES_ENV_FILE move var/ and .env elsewhere (make chaos runs a
# private set of its own under var/chaos, which it stops, pauses and restarts).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VAR="${SERVICES_VAR:-$ROOT/var}"
PGDATA_DIR="$VAR/pg"
PGRUN_DIR="$VAR/pg-run"
BROKER_DIR="$VAR/redis-broker"
CACHE_DIR="$VAR/redis-cache"
RABBIT_DIR="$VAR/rabbitmq"
RABBIT_NODE="saleshub-$(printf '%s' "$VAR" | cksum | cut -d' ' -f1)@localhost"
RABBIT_USER=saleshub
RABBIT_WAIT_SECONDS="${SERVICES_RABBITMQ_WAIT_SECONDS:-90}"
PORTS_FILE="$VAR/ports.env"
ENV_FILE="${SERVICES_ENV_FILE:-$ROOT/.env}"
PG_USER=saleshub
PG_DB=saleshub
PG_TEST_DB=saleshub_test
WAIT_SECONDS="${SERVICES_WAIT_SECONDS:-30}"

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

# Servers must not keep a caller's file descriptors: `flock LOCK make test` hands its lock to
# every child as fd 3, and a server started under it would hold the lock until it stops (as
# would one keeping var/.services.lock, fd 9 here). Call in the subshell that becomes one.
close_inherited_fds() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd="${fd##*/}"
        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    return 0
}

alive() {  # alive PID -> process exists and is not a zombie
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
    [ "$state" != "Z" ] && [ "$state" != "X" ]
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root (or sudo) to run: $*"; fi
}

pg_bindir() {
    local d
    d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then printf '%s\n' "$d"; return 0; fi
    d="$(command -v initdb 2>/dev/null || true)"
    if [ -n "$d" ]; then dirname "$d"; return 0; fi
    return 1
}

# Run a PostgreSQL server command as the postgres system user when we are root
# (initdb/postgres refuse root); as ourselves otherwise.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# ---------------------------------------------------------------- ensure-packages
cmd_ensure_packages() {
    local missing=()
    command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 \
        || missing+=(redis-server)
    { pg_bindir >/dev/null && command -v psql >/dev/null 2>&1; } || missing+=(postgresql)
    rabbit_bindir >/dev/null || missing+=(rabbitmq-server)
    if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
    pg_bindir >/dev/null || die "PostgreSQL binaries still missing after apt-get install"
    rabbit_bindir >/dev/null || die "rabbitmq-server still missing after apt-get install"
    command -v redis-server >/dev/null 2>&1 || die "redis-server still missing after apt-get install"
}

# ---------------------------------------------------------------- ports
declare -A TAKEN=()

port_free() {  # port_free PORT -> 0 if we can bind 127.0.0.1:PORT
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT, as servers do
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

pick_port() {  # pick_port PREFERRED BASE -> prints a free port not yet taken in this run
    local pref="$1" base="$2" p
    if [ -n "$pref" ] && [ -z "${TAKEN[$pref]:-}" ] && port_free "$pref"; then
        TAKEN[$pref]=1; printf '%s\n' "$pref"; return 0
    fi
    for ((p = base; p < base + 500; p++)); do
        if [ -z "${TAKEN[$p]:-}" ] && port_free "$p"; then
            TAKEN[$p]=1; printf '%s\n' "$p"; return 0
        fi
    done
    die "no free port found in $base..$((base + 499))"
}

load_ports() {
    PG_PORT="" BROKER_PORT="" CACHE_PORT="" RABBIT_PORT="" RABBIT_DIST_PORT=""
    if [ -f "$PORTS_FILE" ]; then
        # shellcheck disable=SC1090
        . "$PORTS_FILE"
    fi
}

save_ports() {
    local tmp="$PORTS_FILE.tmp.$$"
    printf 'PG_PORT=%s\nBROKER_PORT=%s\nCACHE_PORT=%s\nRABBIT_PORT=%s\nRABBIT_DIST_PORT=%s\n' \
        "${PG_PORT:-}" "${BROKER_PORT:-}" "${CACHE_PORT:-}" "${RABBIT_PORT:-}" \
        "${RABBIT_DIST_PORT:-}" >"$tmp"
    mv -f "$tmp" "$PORTS_FILE"
}

# ---------------------------------------------------------------- PostgreSQL
pg_running_port() {  # pg_running_port [any] -> port of the postmaster on var/pg (ready, or alive with "any")
    local pidfile="$PGDATA_DIR/postmaster.pid" pid port status
    [ -f "$pidfile" ] || return 1
    pid="$(sed -n 1p "$pidfile" 2>/dev/null || true)"
    port="$(sed -n 4p "$pidfile" 2>/dev/null || true)"
    status="$(sed -n 8p "$pidfile" 2>/dev/null | tr -d ' ' || true)"
    [ -n "$pid" ] && [ -n "$port" ] && alive "$pid" || return 1
    [ "${1:-}" = any ] || [ "$status" = "ready" ] || return 1
    printf '%s\n' "$port"
}

pg_wait_ready() {  # pg_wait_ready PORT
    local i
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
        pg_isready -q -h 127.0.0.1 -p "$1" -U "$PG_USER" -d postgres && return 0
        sleep 0.1
    done
    tail -n 30 "$PGRUN_DIR/postgres.log" >&2 || true
    die "PostgreSQL on 127.0.0.1:$1 did not answer within ${WAIT_SECONDS}s (log: $PGRUN_DIR/postgres.log)"
}

# A killed postmaster whose zombie nobody reaps (a container's pid 1 may not) still
# passes kill(pid, 0), and postgres then refuses to start ("another server might be
# running"). Its children exit on their own once they notice; then drop the pidfile.
pg_clear_zombie_pidfile() {
    local pidfile="$PGDATA_DIR/postmaster.pid" pid i lock
    [ -f "$pidfile" ] || return 0
    pid="$(sed -n 1p "$pidfile" 2>/dev/null || true)"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ! alive "$pid" || return 0
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
        [ -z "$(ps -o pid= --ppid "$pid" 2>/dev/null)" ] && break
        sleep 0.1
    done
    log "removing lock files of dead (zombie) postmaster $pid"
    for lock in "$(pg_socket_dir)"/.s.PGSQL.*.lock; do
        [ -f "$lock" ] && [ "$(sed -n 1p "$lock" 2>/dev/null)" = "$pid" ] \
            && rm -f "$lock" "${lock%.lock}"
    done
    rm -f "$pidfile"
}

pg_make_traversable() {  # the postgres user must reach var/pg through every parent dir
    [ "$(id -u)" -eq 0 ] || return 0
    if runuser -u postgres -- test -x "$VAR" 2>/dev/null; then return 0; fi
    local d rel="" part parts
    # walk from / down, so only the blocking directories get o+x
    IFS=/ read -r -a parts <<<"${VAR#/}"
    for part in "${parts[@]}"; do
        rel="$rel/$part"; d="$rel"
        if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
            log "chmod o+x $d (so the postgres user can reach $VAR)"
            chmod o+x "$d"
        fi
    done
    runuser -u postgres -- test -x "$VAR" || die "postgres user cannot traverse to $VAR"
}

pg_prepare_dirs() {
    mkdir -p "$PGDATA_DIR" "$PGRUN_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$PGDATA_DIR" "$PGRUN_DIR"
    fi
    chmod 700 "$PGDATA_DIR"
    chmod 755 "$PGRUN_DIR"
}

pg_socket_dir() {
    # Unix socket paths are limited to ~107 bytes; fall back to /tmp for deep checkouts.
    if [ "${#PGRUN_DIR}" -le 80 ]; then
        printf '%s\n' "$PGRUN_DIR"
    else
        local d
        d="/tmp/saleshub-pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
        mkdir -p "$d"
        [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$d"
        printf '%s\n' "$d"
    fi
}

pg_psql() {  # pg_psql PORT DB SQL
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U "$PG_USER" -d "$2" -Atc "$3"
}

pg_ensure_databases() {
    local port="$1" have db
    have=" $(pg_psql "$port" postgres \
        "select string_agg(datname, ' ') from pg_database where datname in ('$PG_DB', '$PG_TEST_DB')") "
    for db in "$PG_DB" "$PG_TEST_DB"; do
        case "$have" in
            *" $db "*) ;;
            *) log "creating database $db"
               pg_psql "$port" postgres "create database $db owner $PG_USER" ;;
        esac
    done
}

start_postgres() {
    local port bindir sockdir
    if port="$(pg_running_port)"; then      # fast path: already up
        PG_PORT="$port"
        pg_ensure_databases "$PG_PORT"
        return 0
    fi
    if port="$(pg_running_port any)"; then  # up but still starting / recovering
        PG_PORT="$port"
        pg_wait_ready "$PG_PORT"
        pg_ensure_databases "$PG_PORT"
        return 0
    fi
    bindir="$(pg_bindir)" || die "PostgreSQL server binaries not found (run: $0 ensure-packages)"
    pg_make_traversable
    pg_prepare_dirs
    if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
        log "initdb $PGDATA_DIR"
        as_pg "$bindir/initdb" -D "$PGDATA_DIR" -A trust -U "$PG_USER" -E UTF8 \
            --locale=C.UTF-8 >"$PGRUN_DIR/initdb.log" 2>&1 \
            || { cat "$PGRUN_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    pg_clear_zombie_pidfile
    PG_PORT="$(pick_port "${PG_PORT:-}" 55432)"
    sockdir="$(pg_socket_dir)"
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    if ! (close_inherited_fds; as_pg "$bindir/pg_ctl" start -D "$PGDATA_DIR" \
            -l "$PGRUN_DIR/postgres.log" -w -t "$WAIT_SECONDS" -s \
            -o "-p $PG_PORT -k $sockdir -c listen_addresses=127.0.0.1 -c max_connections=200"); then
        tail -n 30 "$PGRUN_DIR/postgres.log" >&2 || true
        die "PostgreSQL did not start (log: $PGRUN_DIR/postgres.log)"
    fi
    pg_wait_ready "$PG_PORT"
    pg_ensure_databases "$PG_PORT"
}

stop_postgres() {
    local bindir
    if pg_running_port any >/dev/null; then
        bindir="$(pg_bindir)" || die "pg_ctl not found"
        log "stopping PostgreSQL"
        as_pg "$bindir/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t "$WAIT_SECONDS" -s
    fi
}

# ---------------------------------------------------------------- Redis
redis_pid() {  # redis_pid DIR -> pid of the live redis-server whose pidfile is in DIR
    local pid
    [ -f "$1/redis.pid" ] || return 1
    pid="$(cat "$1/redis.pid" 2>/dev/null || true)"
    [ -n "$pid" ] && alive "$pid" || return 1
    printf '%s\n' "$pid"
}

redis_pid_port() {  # redis_pid_port PID -> port from the title "redis-server 127.0.0.1:PORT"
    local title
    title="$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n 1 || true)"
    title="${title##*:}"; title="${title%% *}"
    case "$title" in
        ''|*[!0-9]*) return 1 ;;
        *) printf '%s\n' "$title" ;;
    esac
}

redis_is_ours() {  # redis_is_ours DIR PORT -> the server answering on PORT runs with dir DIR
    local dir="$1" port="$2" out
    [ -n "$port" ] && redis_pid "$dir" >/dev/null || return 1
    out="$(redis-cli -h 127.0.0.1 -p "$port" config get dir 2>/dev/null | sed -n 2p || true)"
    [ "$out" = "$dir" ]
}

start_redis() {  # start_redis ROLE DIR PORTVAR BASE EXTRA-ARGS...
    local role="$1" dir="$2" portvar="$3" base="$4" port i
    shift 4
    port="${!portvar:-}"
    if redis_is_ours "$dir" "$port"; then return 0; fi
    # still running from an earlier start whose recorded port was lost?
    local pid oport
    if pid="$(redis_pid "$dir")" && oport="$(redis_pid_port "$pid")" \
            && redis_is_ours "$dir" "$oport"; then
        printf -v "$portvar" '%s' "$oport"
        return 0
    fi
    mkdir -p "$dir"
    port="$(pick_port "$port" "$base")"
    printf -v "$portvar" '%s' "$port"
    log "starting Redis $role on 127.0.0.1:$port"
    rm -f "$dir/redis.pid"
    (close_inherited_fds; exec redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
        --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@") \
        || { tail -n 20 "$dir/redis.log" >&2 || true; die "redis-server ($role) failed to start"; }
    for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
        if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" = "PONG" ]; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$dir/redis.log" >&2 || true
    die "Redis $role on 127.0.0.1:$port did not answer within ${WAIT_SECONDS}s (log: $dir/redis.log)"
}

STOPPING_PIDS=()

stop_redis() {  # stop_redis ROLE DIR PORT SHUTDOWN-MODE  (asks; wait_stopped waits)
    local role="$1" dir="$2" port="$3" mode="$4" pid
    if ! pid="$(redis_pid "$dir")"; then rm -f "$dir/redis.pid"; return 0; fi
    redis_is_ours "$dir" "$port" || port="$(redis_pid_port "$pid" || true)"
    log "stopping Redis $role"
    if ! { redis_is_ours "$dir" "$port" \
            && redis-cli -h 127.0.0.1 -p "$port" shutdown "$mode" >/dev/null 2>&1; }; then
        kill -TERM "$pid" 2>/dev/null || true
    fi
    STOPPING_PIDS+=("$pid")
}

wait_stopped() {
    local pid i
    for pid in "${STOPPING_PIDS[@]}"; do
        for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
            alive "$pid" || continue 2
            sleep 0.1
        done
        die "process $pid did not stop within ${WAIT_SECONDS}s"
    done
    STOPPING_PIDS=()
}

# ---------------------------------------------------------------- RabbitMQ
rabbit_bindir() {
    # Debian's /usr/sbin/rabbitmq-server wrapper switches to the rabbitmq user; the scripts
    # it wraps run the node as whoever calls them, with the environment we give them.
    local d
    for d in /usr/lib/rabbitmq/bin /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin; do
        [ -x "$d/rabbitmq-server" ] && { printf '%s\n' "$d"; return 0; }
    done
    return 1
}

rabbit_run() {  # rabbit_run CMD ARGS... -> exec CMD in the private node's environment
    exec env HOME="$RABBIT_DIR" \
        RABBITMQ_CONF_ENV_FILE="$RABBIT_DIR/rabbitmq-env.conf" \
        RABBITMQ_NODENAME="$RABBIT_NODE" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$RABBIT_PORT" \
        RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" \
        RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia" \
        RABBITMQ_LOG_BASE="$RABBIT_DIR/log" \
        RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins" \
        RABBITMQ_PID_FILE="$RABBIT_DIR/rabbitmq.pid" \
        ERL_EPMD_ADDRESS=127.0.0.1 \
        "$@"
}

rabbit_pid() {  # rabbit_pid -> pid of the live node started under var/rabbitmq
    local pid f
    for f in "$RABBIT_DIR/rabbitmq.pid" "$RABBIT_DIR/launcher.pid"; do
        pid="$(cat "$f" 2>/dev/null || true)"
        [ -n "$pid" ] && alive "$pid" && { printf '%s\n' "$pid"; return 0; }
    done
    return 1
}

rabbit_answers() {  # rabbit_answers PORT -> an AMQP server answers the protocol header
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
    s.settimeout(2)
    s.sendall(b"AMQP\x00\x00\x09\x01")
    sys.exit(0 if s.recv(1) == b"\x01" else 1)
PY
}

rabbit_wait_ready() {
    local i
    for ((i = 0; i < RABBIT_WAIT_SECONDS * 5; i++)); do
        rabbit_answers "$RABBIT_PORT" && return 0
        rabbit_pid >/dev/null || break
        sleep 0.2
    done
    tail -n 30 "$RABBIT_DIR/startup.log" >&2 || true
    die "RabbitMQ on 127.0.0.1:$RABBIT_PORT did not answer (log: $RABBIT_DIR/startup.log, $RABBIT_DIR/log)"
}

rabbit_write_config() {
    local hash
    hash="$(python3 -c 'import base64, hashlib, os, sys
salt = os.urandom(4)
print(base64.b64encode(salt + hashlib.sha256(salt + sys.argv[1].encode()).digest()).decode())' \
        "$RABBIT_USER")"
    : >"$RABBIT_DIR/rabbitmq-env.conf"   # not /etc/rabbitmq/rabbitmq-env.conf
    printf '[].\n' >"$RABBIT_DIR/enabled_plugins"  # no management listener on 15672
    printf '%s\n' \
        "listeners.tcp.default = 127.0.0.1:$RABBIT_PORT" \
        "load_definitions = $RABBIT_DIR/definitions.json" \
        "log.file.level = warning" >"$RABBIT_DIR/rabbitmq.conf"
    cat >"$RABBIT_DIR/definitions.json" <<JSON
{"users": [{"name": "$RABBIT_USER", "password_hash": "$hash", "tags": "administrator",
            "hashing_algorithm": "rabbit_password_hashing_sha256"}],
 "vhosts": [{"name": "saleshub"}, {"name": "saleshub_test"}, {"name": "saleshub_bench"},
            {"name": "saleshub_test_w1"}, {"name": "saleshub_test_w2"}, {"name": "saleshub_test_w3"}],
 "permissions": [
   {"user": "$RABBIT_USER", "vhost": "saleshub", "configure": ".*", "write": ".*", "read": ".*"},
   {"user": "$RABBIT_USER", "vhost": "saleshub_test", "configure": ".*", "write": ".*", "read": ".*"},
   {"user": "$RABBIT_USER", "vhost": "saleshub_bench", "configure": ".*", "write": ".*", "read": ".*"},
   {"user": "$RABBIT_USER", "vhost": "saleshub_test_w1", "configure": ".*", "write": ".*", "read": ".*"},
   {"user": "$RABBIT_USER", "vhost": "saleshub_test_w2", "configure": ".*", "write": ".*", "read": ".*"},
   {"user": "$RABBIT_USER", "vhost": "saleshub_test_w3", "configure": ".*", "write": ".*", "read": ".*"}]}
JSON
}

start_rabbitmq() {  # start_rabbitmq wait|background
    local bindir
    if rabbit_pid >/dev/null && [ -n "${RABBIT_PORT:-}" ]; then
        [ "$1" = wait ] && rabbit_wait_ready
        return 0
    fi
    bindir="$(rabbit_bindir)" || die "rabbitmq-server not found (run: $0 ensure-packages)"
    mkdir -p "$RABBIT_DIR/log" "$RABBIT_DIR/mnesia"
    RABBIT_PORT="$(pick_port "${RABBIT_PORT:-}" 56672)"
    RABBIT_DIST_PORT="$(pick_port "${RABBIT_DIST_PORT:-}" 56772)"
    rabbit_write_config
    rm -f "$RABBIT_DIR/rabbitmq.pid"
    log "starting RabbitMQ $RABBIT_NODE on 127.0.0.1:$RABBIT_PORT"
    # A subshell that closes inherited fds for good (a redirection on a function call only
    # moves it) and becomes the node: the node must not hold var/.services.lock.
    (close_inherited_fds; exec </dev/null >"$RABBIT_DIR/startup.log" 2>&1; cd / && rabbit_run setsid \
        "$bindir/rabbitmq-server") &
    echo $! >"$RABBIT_DIR/launcher.pid"
    [ "$1" = wait ] && rabbit_wait_ready
    return 0
}

stop_rabbitmq() {
    local pid
    pid="$(rabbit_pid)" || return 0
    log "stopping RabbitMQ"
    kill -TERM "$pid" 2>/dev/null || true   # the node stops gracefully on SIGTERM
    STOPPING_PIDS+=("$pid")
}

# ---------------------------------------------------------------- .env
write_env() {
    local managed tmp
    managed="$(printf '%s\n' \
        "DATABASE_URL=$DATABASE_URL" \
        "TEST_DATABASE_URL=$TEST_DATABASE_URL" \
        "BROKER_URL=$BROKER_URL" \
        "CACHE_URL=$CACHE_URL" \
        "TEST_BROKER_URL=$TEST_BROKER_URL" \
        "TEST_CACHE_URL=$TEST_CACHE_URL" \
        ${BROKER_REDIS_OUT:+"BROKER_REDIS_URL=$BROKER_REDIS_OUT"} \
        ${RABBITMQ_URL:+"RABBITMQ_URL=$RABBITMQ_URL"} \
        ${TEST_RABBITMQ_URL:+"TEST_RABBITMQ_URL=$TEST_RABBITMQ_URL"})"
    tmp="$ENV_FILE.tmp.$$"
    {
        # keep any other settings someone put in .env
        if [ -f "$ENV_FILE" ]; then
            grep -vE '^(# managed by scripts/services\.sh.*|(export +)?(TEST_)?(DATABASE|BROKER|BROKER_REDIS|CACHE|RABBITMQ)_URL=.*)$' \
                "$ENV_FILE" || true
        fi
        printf '# managed by scripts/services.sh (rewritten on every start)\n%s\n' "$managed"
    } >"$tmp"
    if [ -f "$ENV_FILE" ] && cmp -s "$tmp" "$ENV_FILE"; then rm -f "$tmp"; else mv -f "$tmp" "$ENV_FILE"; fi
}

redis_db1() { printf '%s\n' "$1" | sed -E 's#(redis://[^/]*)(/[0-9]*)?$#\1/1#'; }

# ---------------------------------------------------------------- commands
cmd_start() {
    command -v python3 >/dev/null 2>&1 || die "python3 is required"
    mkdir -p "$VAR"
    chmod 755 "$VAR"
    exec 9>"$VAR/.services.lock"
    flock -w 120 9 || die "another services.sh is running (lock $VAR/.services.lock)"
    load_ports

    local ext_db="${DATABASE_URL:-}" ext_broker="${BROKER_URL:-}" ext_cache="${CACHE_URL:-}"
    # BROKER_URL=amqp://… selects RabbitMQ (0020): the broker Redis is then BROKER_REDIS_URL,
    # or the private one, written to .env as BROKER_REDIS_URL for the processes to find.
    local amqp_broker=""
    case "$ext_broker" in
        amqp://* | amqps://*) amqp_broker="$ext_broker" ext_broker="${BROKER_REDIS_URL:-}" ;;
    esac
    [ -n "$amqp_broker" ] || [ -z "${BROKER_REDIS_URL:-}" ] || ext_broker="$BROKER_REDIS_URL"

    if [ -z "$ext_db" ]; then
        start_postgres
        DATABASE_URL="postgresql+psycopg://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
        TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql+psycopg://$PG_USER@127.0.0.1:$PG_PORT/$PG_TEST_DB}"
    else
        log "DATABASE_URL given in the environment: not starting PostgreSQL"
        # default: same server, database name + _test (not created here)
        TEST_DATABASE_URL="${TEST_DATABASE_URL:-$(printf '%s\n' "$ext_db" | sed -E 's#/([^/?]+)(\?.*)?$#/\1_test\2#')}"
    fi
    if [ -z "$ext_broker" ]; then
        command -v redis-server >/dev/null 2>&1 || die "redis-server not found (run: $0 ensure-packages)"
        start_redis broker "$BROKER_DIR" BROKER_PORT 56379 \
            --maxmemory-policy noeviction --appendonly yes --appendfsync everysec
        BROKER_URL="redis://127.0.0.1:$BROKER_PORT/0"
    else
        log "broker Redis given in the environment: not starting it"
        BROKER_URL="$ext_broker"
    fi
    [ -z "$amqp_broker" ] || BROKER_REDIS_OUT="$BROKER_URL"
    if [ -z "$ext_cache" ]; then
        command -v redis-server >/dev/null 2>&1 || die "redis-server not found (run: $0 ensure-packages)"
        start_redis cache "$CACHE_DIR" CACHE_PORT 56380 \
            --maxmemory 256mb --maxmemory-policy allkeys-lru --save "" --appendonly no
        CACHE_URL="redis://127.0.0.1:$CACHE_PORT/0"
    else
        log "CACHE_URL given in the environment: not starting the cache Redis"
    fi
    TEST_BROKER_URL="${TEST_BROKER_URL:-$(redis_db1 "$BROKER_URL")}"
    TEST_CACHE_URL="${TEST_CACHE_URL:-$(redis_db1 "$CACHE_URL")}"
    local rabbit="${RABBITMQ:-no}"
    if [ -n "$amqp_broker" ]; then
        log "BROKER_URL is an AMQP URL: not starting RabbitMQ"
    elif [ -n "${RABBITMQ_URL:-}" ]; then
        log "RABBITMQ_URL given in the environment: not starting RabbitMQ"
    elif [ "$rabbit" != no ] || rabbit_pid >/dev/null; then
        start_rabbitmq "$([ "$rabbit" = wait ] && echo wait || echo background)"
        RABBITMQ_URL="amqp://$RABBIT_USER:$RABBIT_USER@127.0.0.1:$RABBIT_PORT/saleshub"
        TEST_RABBITMQ_URL="${TEST_RABBITMQ_URL:-${RABBITMQ_URL%/saleshub}/saleshub_test}"
    fi

    save_ports
    write_env
    printf 'DATABASE_URL=%s\nTEST_DATABASE_URL=%s\nBROKER_URL=%s\nCACHE_URL=%s\n(written to %s)\n' \
        "$DATABASE_URL" "$TEST_DATABASE_URL" "$BROKER_URL" "$CACHE_URL" "$ENV_FILE"
}

cmd_stop() {
    [ -d "$VAR" ] || return 0
    exec 9>"$VAR/.services.lock"
    flock -w 120 9 || die "another services.sh is running (lock $VAR/.services.lock)"
    load_ports
    stop_redis cache "$CACHE_DIR" "${CACHE_PORT:-}" nosave
    stop_redis broker "$BROKER_DIR" "${BROKER_PORT:-}" save
    stop_postgres
    stop_rabbitmq
    wait_stopped
    rm -f "$CACHE_DIR/redis.pid" "$BROKER_DIR/redis.pid"
    log "stopped (data kept in $VAR)"
}

cmd_status() {
    local port rc=0
    load_ports
    if port="$(pg_running_port)"; then
        echo "postgres:     running  127.0.0.1:$port  (data $PGDATA_DIR)"
    else
        echo "postgres:     stopped"; rc=3
    fi
    if redis_is_ours "$BROKER_DIR" "${BROKER_PORT:-}"; then
        echo "redis-broker: running  127.0.0.1:$BROKER_PORT  (dir $BROKER_DIR)"
    else
        echo "redis-broker: stopped"; rc=3
    fi
    if redis_is_ours "$CACHE_DIR" "${CACHE_PORT:-}"; then
        echo "redis-cache:  running  127.0.0.1:$CACHE_PORT  (dir $CACHE_DIR)"
    else
        echo "redis-cache:  stopped"; rc=3
    fi
    if rabbit_pid >/dev/null && [ -n "${RABBIT_PORT:-}" ] && rabbit_answers "$RABBIT_PORT"; then
        echo "rabbitmq:     running  127.0.0.1:$RABBIT_PORT  (node $RABBIT_NODE)"
    else
        echo "rabbitmq:     stopped (started on demand)"
    fi
    return "$rc"
}

cmd_wait_rabbitmq() {
    mkdir -p "$VAR"
    exec 9>"$VAR/.services.lock"
    flock -w 120 9 || die "another services.sh is running (lock $VAR/.services.lock)"
    load_ports
    start_rabbitmq background
    save_ports
    exec 9>&-   # waiting needs no lock: others may start or read meanwhile
    rabbit_wait_ready
    printf 'amqp://%s:%s@127.0.0.1:%s/saleshub_test\n' "$RABBIT_USER" "$RABBIT_USER" "$RABBIT_PORT"
}

case "${1:-}" in
    ensure-packages) cmd_ensure_packages ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    wait-rabbitmq) cmd_wait_rabbitmq ;;
    *) echo "usage: $0 {ensure-packages|start|stop|status|wait-rabbitmq}" >&2; exit 2 ;;
esac
