#!/usr/bin/env bash
# Sets up a fresh Debian machine for GridOffice and runs it.
#   bash dev.sh demo   — set everything up, open the demo office
#   bash dev.sh test   — set everything up, run the whole test suite
#   bash dev.sh setup  — only set up
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
               .venv/bin/python -m pip install --disable-pip-version-check -e '.[test]'; } > .venv/install.log 2>&1; then
            tail -n 30 .venv/install.log >&2
            echo "安装 Python 软件包失败，详见 .venv/install.log" >&2
            exit 1
        fi
        touch .venv/.installed
    fi
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
        exec .venv/bin/python -m pytest -n 2 "$@"
        ;;
    setup)
        setup test
        ;;
    *)
        echo "用法：bash dev.sh demo | test | setup" >&2
        exit 2
        ;;
esac
