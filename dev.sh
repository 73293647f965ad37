#!/usr/bin/env bash
# Sets up a fresh Debian machine for GridOffice and runs it.
#   bash dev.sh demo   — set everything up, open the demo office
#   bash dev.sh test   — set everything up, run the whole test suite
#   bash dev.sh setup  — only set up
#   bash dev.sh street-demo — generated communities consolidated into a throw-away PostgreSQL store,
#                          then the street's window on it
#   bash dev.sh bench bench/bench_consolidate.py — a benchmark beside a throw-away PostgreSQL
#   bash dev.sh build  — the one-folder program with PyInstaller in dist/GridOffice/ (packaging/)
# `test` runs the suite against a throw-away PostgreSQL cluster (the street's store), made in a
# temporary folder, reached only by a Unix socket there, and removed however the run ends.
set -euo pipefail
cd "$(dirname "$0")"

need_debs=()
want_deb() { dpkg -s "$1" >/dev/null 2>&1 || need_debs+=("$1"); }
# A command that any of several packages provides: install the lightest only when it is missing.
want_cmd() { command -v "$1" >/dev/null 2>&1 || need_debs+=("$2"); }

find_python() {
    for p in python3 python3.13 python3.12 python3.11; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$p"; return 0
        fi
    done
    return 1
}

install_debs() {
    [ ${#need_debs[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        echo "缺少系统软件包：${need_debs[*]}，请让管理员安装后再试。" >&2
        return 1
    fi
    local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    echo "安装系统软件包：${need_debs[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_debs[@]}" >/dev/null
}

setup() {
    if command -v dpkg >/dev/null 2>&1; then
        # Qt's xcb and offscreen platforms load these at run time.
        for d in libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
                 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 \
                 libxcb-render-util0 libxcb-image0; do want_deb "$d"; done
        # Tests read PDFs back (poppler), scan the QR codes on the cards (zbar) and let
        # LibreOffice recalculate the assessment's formulas after a weight changes.
        if [ "${1:-}" = test ]; then
            want_cmd pdftotext poppler-utils; want_cmd zbarimg zbar-tools; want_cmd libreoffice libreoffice-calc-nogui
            # The street's and the district's store; Debian's server package, found by its initdb.
            pg_bin >/dev/null || want_deb postgresql
        fi
        PY=$(find_python) || { want_deb python3; want_deb python3-venv; }
        if [ -n "${PY:-}" ] && ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then want_deb python3-venv; fi
        install_debs
    fi
    PY=$(find_python) || { echo "需要 Python 3.11 或更高版本。" >&2; exit 1; }
    if [ ! -x .venv/bin/python ]; then
        "$PY" -m venv .venv
    fi
    if [ ! -f .venv/.installed ] || [ setup.cfg -nt .venv/.installed ]; then
        echo "安装 Python 软件包到 .venv（首次约需一分钟）……"
        # pip's own chatter goes to a log that is shown only when something fails.
        if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
               .venv/bin/python -m pip install --disable-pip-version-check -e '.[test,build]'; } > .venv/install.log 2>&1; then
            tail -n 30 .venv/install.log >&2
            echo "安装 Python 软件包失败，详见 .venv/install.log" >&2
            exit 1
        fi
        touch .venv/.installed
    fi
}

# The newest installed PostgreSQL server's programs (Debian keeps them outside PATH).
pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

PG_DIR=""
# Runs a PostgreSQL program as the cluster's owner: `postgres` when we are root, since
# initdb and pg_ctl refuse to run as root.
as_pg_owner() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

stop_pg() {
    [ -n "$PG_DIR" ] || return 0
    as_pg_owner "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}

# A throw-away cluster: trust for local users only, no TCP; its socket folder is exported to the
# tests as GRIDOFFICE_TEST_PG. Durability is off for tests (nothing in it is kept), on for benchmarks.
start_pg() {
    local bin durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${1:-}" = durable ] && durability=
    bin=$(pg_bin) || { echo "没有找到 PostgreSQL，请先安装（Debian：apt-get install postgresql）。" >&2; return 1; }
    PG_DIR=$(mktemp -d /tmp/gridoffice-pg.XXXXXX)
    trap stop_pg EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
    if ! as_pg_owner "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
            >"$PG_DIR/initdb.log" 2>&1; then
        cat "$PG_DIR/initdb.log" >&2
        echo "无法建立测试用的 PostgreSQL 数据库集群。" >&2
        return 1
    fi
    # One role must give its password, so a test can meet a wrong one (tests/test_store_connection.py).
    { echo "local all gridoffice_password_check scram-sha-256"; cat "$PG_DIR/data/pg_hba.conf"; } \
        >"$PG_DIR/pg_hba.new" && as_pg_owner cp "$PG_DIR/pg_hba.new" "$PG_DIR/data/pg_hba.conf"
    if ! as_pg_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-k $PG_DIR -c listen_addresses='' $durability" \
            start >/dev/null; then
        cat "$PG_DIR/server.log" >&2
        echo "无法启动测试用的 PostgreSQL 服务。" >&2
        return 1
    fi
    export GRIDOFFICE_TEST_PG="host=$PG_DIR user=postgres dbname=postgres"
}

case "${1:-demo}" in
    demo)
        setup demo
        shift || true
        exec .venv/bin/python main.py --demo "$@"
        ;;
    test)
        setup test
        shift || true
        export QT_QPA_PLATFORM=offscreen
        start_pg
        # Not exec: the trap removes the cluster when pytest ends.
        rc=0
        .venv/bin/python -m pytest -n 2 "$@" || rc=$?
        exit "$rc"
        ;;
    street-demo)
        setup test
        shift || true
        start_pg
        echo "正在生成演示街道（几个社区、它们的上报包和汇总数据库）……"
        .venv/bin/python -m gridoffice.consolidation.street_demo "$PG_DIR/offices" \
            "host=$PG_DIR user=postgres dbname=postgres" 2>&1 >/dev/null | tail -n 1
        rc=0
        .venv/bin/python main.py --pg "host=$PG_DIR user=postgres dbname=postgres" "$@" || rc=$?
        exit "$rc"
        ;;
    bench)
        setup test
        shift || true
        start_pg durable
        rc=0
        .venv/bin/python "$@" || rc=$?
        exit "$rc"
        ;;
    build)
        setup build
        shift || true
        # A checkout whose .venv predates the build extra gets PyInstaller now.
        if ! .venv/bin/python -c 'import PyInstaller' >/dev/null 2>&1; then
            echo "安装 PyInstaller 到 .venv ……"
            .venv/bin/python -m pip install --disable-pip-version-check -q -e '.[build]'
        fi
        exec .venv/bin/python packaging/build.py "$@"
        ;;
    setup)
        setup test
        ;;
    *)
        echo "用法：bash dev.sh demo | test | setup | build | street-demo | bench 脚本" >&2
        exit 2
        ;;
esac
