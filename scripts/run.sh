#!/usr/bin/env bash
# The main job on the embedded default (SQLite + local whoosh index + ./wenshu-data): set up the
# data directory, then `wenshu serve` it: the watcher of its inbox/ (收文) and outbox/ (发文) and
# the web application (http://127.0.0.1:8000/ unless [web] says otherwise). Every file dropped
# there or uploaded is registered (number, 文种, title, route) or quarantined (with the reason),
# shown as it happens. On the first start the `admin` account's password is printed, once.
# Ctrl-C (or SIGTERM) finishes the files in hand, then the registration log is printed and the
# audit chain verified.
#
#   scripts/run.sh                   serve
#   scripts/run.sh --samples         copy the sample documents into the inbox first, then serve
#   scripts/run.sh --samples --once  the same, but process what is there and stop (`wenshu watch
#                                    --once`: no waiting, no web application)
set -euo pipefail
cd "$(dirname "$0")/.."
WENSHU=.venv/bin/wenshu
DATA=${WENSHU_DATA:-wenshu-data}

$WENSHU --data "$DATA" init
# The sample documents, without their expected texts and the scripts that make them.
FEED="find samples -maxdepth 1 -type f ! -name '*.expected.txt' ! -name '*.py' ! -name '*.md' -exec cp -t $DATA/inbox/ {} +"
cat <<EOF

  收文：把文件放进 $DATA/inbox/   （可建子文件夹，如扫描仪按日期建的文件夹）
  发文：把文件放进 $DATA/outbox/
  试用样例（另开一个终端，在仓库根目录执行；损坏、加密和空白的样例会按设计被隔离）：
      $FEED
  网页：wenshu 启动后打印的地址（默认 http://127.0.0.1:8000/），可上传文件、检索、查看隔离区
  查看：.venv/bin/wenshu --data $DATA status    隔离区：$DATA/quarantine/（每个文件旁有 .reason.txt）

EOF
COMMAND=(serve)
for arg in "$@"; do
  case "$arg" in
    --samples)
      # The samples are documents of an invented office: register them as that office would.
      [ -f "$DATA/wenshu.toml" ] || printf '%s\n' '# The sample documents'"'"' office (see samples/README.md).' \
        '[office]' 'names = ["东湖大学化学化工学院", "化学化工学院", "化学院"]' 'code = "化学院"' > "$DATA/wenshu.toml"
      eval "$FEED" ;;
    --once) COMMAND=(watch --once) ;;
    *) echo "usage: scripts/run.sh [--samples] [--once]" >&2; exit 2 ;;
  esac
done
# Not exec: after Ctrl-C the watcher drains and exits 0, and the summary below still runs.
# (--once exits 4 when a file was quarantined: the broken samples are, on purpose.)
code=0
$WENSHU --data "$DATA" "${COMMAND[@]}" || code=$?
case $code in 0|4|130) ;; *) exit "$code" ;; esac
$WENSHU --data "$DATA" log
$WENSHU --data "$DATA" audit verify
