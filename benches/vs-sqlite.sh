#!/usr/bin/env bash
# qualify beside sqlite3 on the same rows: each whole-database command's wall
# time (hyperfine; medians of paired runs) and peak memory (/usr/bin/time -v), with sqlite3
# doing the least the same work needs (the floor) and the ratio of the two;
# then the TUI's peak memory over the same deals, driven in tmux.
#
#   benches/vs-sqlite.sh            # 100,000 deals
#   DEALS=20000 RUNS=7 benches/vs-sqlite.sh     # RUNS pairs (default 5)
#
# The deals: `qualify demo --deals $DEALS --seed 1` (every step, stakeholders,
# risks, escalations, outcomes...), exported with `deal export` as one JSON
# array for `deal import`, and the same deals' rows (deals, steps, content)
# exported by sqlite3 as CSV files for the floor's `.import`.
set -euo pipefail

DEALS=${DEALS:-100000}
RUNS=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-$(mktemp -d /tmp/qualify-vs-sqlite.XXXXXX)}
mkdir -p "$work"

need() {
    if ! command -v "$1" >/dev/null 2>&1 && ! [ -x "/usr/bin/$1" ]; then
        echo "installing $2 ..." >&2
        if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
        else sudo apt-get update -qq && sudo apt-get install -y -qq "$2" >/dev/null; fi
    fi
}
need hyperfine hyperfine
need time time
need sqlite3 sqlite3
need python3 python3
need tmux tmux

if [ -z "${QUALIFY_BIN:-}" ]; then
    echo "building qualify (release) ..." >&2
    (cd "$root" && cargo build --release --quiet)
fi
qualify=${QUALIFY_BIN:-$root/target/release/qualify}
export QUALIFY_USER=bench
AS_OF=2026-12-01T09:30:00Z

# --- the deals ------------------------------------------------------------
db="$work/qualify.db"
if [ ! -s "$db" ]; then
    echo "making $DEALS demo deals in $db ..." >&2
    "$qualify" --db "$db" --as-of "$AS_OF" demo --deals "$DEALS" --seed 1 >/dev/null 2>&1
    sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
fi
if [ ! -s "$work/deals.json" ]; then
    echo "exporting them (JSON for qualify, CSV for sqlite3) ..." >&2
    "$qualify" --db "$db" --as-of "$AS_OF" deal export >"$work/deals.json"
    sqlite3 -csv "$db" "SELECT * FROM deals ORDER BY id" >"$work/deals.csv"
    sqlite3 -csv "$db" "SELECT * FROM steps ORDER BY deal_id, number" >"$work/steps.csv"
    sqlite3 -csv "$db" "SELECT * FROM deal_content ORDER BY deal_id" >"$work/content.csv"
fi
ls -l "$work"/deals.json "$work"/*.csv | awk '{print $5, $9}' >&2

# an empty database with qualify's schema (both imports go into a copy)
empty="$work/empty.db"
if [ ! -s "$empty" ]; then
    "$qualify" --db "$empty" deal list >/dev/null
    sqlite3 "$empty" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    rm -f "$empty-wal" "$empty-shm"
fi

once() { # one hyperfine run of the command (after its preparation), in seconds
    local json="$work/hf.json"
    hyperfine --style none -i --runs 1 --export-json "$json" "$@" >/dev/null 2>&1 || {
        echo "hyperfine failed: $*" >&2; return 1; }
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['mean'])" "$json"
}
peak() { # peak resident memory of the command, in MiB
    local log="$work/time.log"
    /usr/bin/time -v -o "$log" bash -c "$1" >/dev/null 2>&1 || true
    awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log"
}
rows=()
# Paired runs: qualify, then the floor, RUNS times over, so that both sides
# of each pair meet the machine in the same state (its speed drifts by
# 10-30% over minutes); the ratio is the median of the pairs' ratios.
row() { # label, qualify command, floor command, prepare (optional)
    local label=$1 q=$2 f=$3 prep=${4:-true}
    local fprep=${prep//qualify-run/floor-run}
    local tq=() tf=() mq mf
    for _ in $(seq 1 "$RUNS"); do
        tq+=("$(once --prepare "$prep" "$q")")
        tf+=("$(once --prepare "$fprep" "$f")")
    done
    eval "$prep"
    mq=$(peak "$q")
    eval "$fprep"
    mf=$(peak "$f")
    rows+=("$(python3 -c "
import statistics as st, sys
l, mq, mf = sys.argv[1], sys.argv[2], sys.argv[3]
tq = [float(x) for x in sys.argv[4].split()]
tf = [float(x) for x in sys.argv[5].split()]
r = st.median(a / b for a, b in zip(tq, tf))
print(f'| {l} | {st.median(tq):.2f} s, {mq} MiB | {st.median(tf):.2f} s, {mf} MiB | {r:.2f}x (pairs: {\", \".join(f\"{a / b:.2f}\" for a, b in zip(tq, tf))}) |')
" "$label" "$mq" "$mf" "${tq[*]}" "${tf[*]}")")
    echo "${rows[-1]}" >&2
}

cols="d.id, d.name, d.account, d.amount_cents, d.close_date, d.stage, d.owner, d.sa,
  p.steps_complete, p.steps_blocked, p.forecast, p.verdict, p.meddpicc_total, p.qa_passed,
  p.escalations, p.overdue_from, p.risk_band, p.next_step_due, p.stalled_from, p.outcome"

# deal import: a fresh copy of the empty database each run. The floor
# imports the same deals' rows (deals, steps, content) as CSV into a copy of
# the same schema (its indexes, checks and triggers), then fills the search
# index as qualify does when its transaction commits.
row "\`deal import\` of $DEALS deals (JSON array, $(du -m "$work/deals.json" | cut -f1) MB)" \
    "$qualify --db $work/qualify-run.db --as-of $AS_OF deal import $work/deals.json >/dev/null" \
    "sqlite3 $work/floor-run.db '.mode csv' '.import $work/deals.csv deals' '.import $work/steps.csv steps' '.import $work/content.csv deal_content' 'INSERT INTO deal_search (rowid, name, account, owner) SELECT id, name, account, owner FROM deals;'" \
    "rm -f $work/qualify-run.db*; cp $empty $work/qualify-run.db"

row "\`deal list --json\`" \
    "$qualify --db $db --as-of $AS_OF deal list --json >/dev/null" \
    "sqlite3 -json $db \"SELECT $cols FROM deals d JOIN pipeline p ON p.deal_id = d.id ORDER BY d.close_date IS NULL, d.close_date, d.id\" >/dev/null"

floor_check="sqlite3 $db \"SELECT d.*, c.body FROM pipeline p JOIN deals d ON d.id = p.deal_id LEFT JOIN deal_content c ON c.deal_id = p.deal_id WHERE p.outcome IS NULL ORDER BY p.deal_id; SELECT s.* FROM pipeline p JOIN steps s ON s.deal_id = p.deal_id WHERE p.outcome IS NULL ORDER BY p.deal_id, s.number; SELECT e.* FROM pipeline p JOIN escalations e ON e.deal_id = p.deal_id WHERE p.outcome IS NULL ORDER BY p.deal_id, e.id\" >/dev/null"
row "\`check\` (every open deal)" \
    "$qualify --db $db --as-of $AS_OF check >/dev/null" "$floor_check"
row "\`check --json\`" \
    "$qualify --db $db --as-of $AS_OF check --json >/dev/null" "$floor_check"

# --- the TUI's peak memory: first frame, End, page downs, a sort, both
# review queues, a typed filter, the dashboard and back, then quit ----------
tui_peak() {
    local sock="qualify-bench-$$" log="$work/tui.time"
    rm -f "$log"
    tmux -L "$sock" kill-server 2>/dev/null || true
    tmux -L "$sock" new-session -d -x 160 -y 50 \
        "/usr/bin/time -v -o $log $qualify --db $db --as-of $AS_OF"
    sleep 2
    local keys=(End PageUp PageUp Home PageDown PageDown s s v v v / h o o l Enter Escape)
    for k in "${keys[@]}"; do
        tmux -L "$sock" send-keys "$k"
        sleep 0.3
    done
    # the dashboard walks every deal once, on another thread: wait for its
    # metrics to come (the header says they are being computed until then)
    tmux -L "$sock" send-keys d
    for _ in $(seq 1 120); do
        tmux -L "$sock" capture-pane -p | head -1 | grep dashboard | grep -vq computing && break
        sleep 1
    done
    tmux -L "$sock" send-keys Escape
    sleep 0.5
    tmux -L "$sock" send-keys q
    for _ in $(seq 1 100); do [ -s "$log" ] && break; sleep 0.3; done
    tmux -L "$sock" kill-server 2>/dev/null || true
    awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log"
}
tui=$(tui_peak)
echo "TUI over $DEALS deals (list keys, queues, filter, dashboard): peak $tui MiB" >&2

echo
echo "$DEALS deals · $(nproc) cores · $(uname -sr) · sqlite3 $(sqlite3 --version | cut -d' ' -f1) · medians of $RUNS paired runs"
echo
echo "| Work | qualify | Floor: sqlite3 on the same rows | Ratio |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "TUI (list keys, sort, both review queues, a typed filter, the dashboard): peak $tui MiB"
