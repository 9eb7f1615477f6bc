#!/usr/bin/env bash
# qualify beside sqlite3 on the same rows: each whole-database command's wall
# time (hyperfine, median) and peak memory (/usr/bin/time -v), with sqlite3
# doing the least the same work needs (the floor) and the ratio of the two.
#
#   benches/vs-sqlite.sh            # 100,000 deals
#   DEALS=20000 benches/vs-sqlite.sh
#
# The deals: a JSON array of generated deal documents (varied names, owners,
# amounts, dates and step progress, each as rich as
# tests/fixtures/complete_deal.json), and the same deals as CSV files of the
# rows qualify stores for them (deals, steps, content), for sqlite3 .import.
set -euo pipefail

DEALS=${DEALS:-100000}
RUNS=${RUNS:-3}
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

if [ -z "${QUALIFY_BIN:-}" ]; then
    echo "building qualify (release) ..." >&2
    (cd "$root" && cargo build --release --quiet)
fi
qualify=${QUALIFY_BIN:-$root/target/release/qualify}
export QUALIFY_USER=bench
AS_OF=2026-12-01T09:30:00Z

# --- the deals ------------------------------------------------------------
if [ ! -s "$work/deals.json" ]; then
    echo "generating $DEALS deals ..." >&2
    python3 - "$root/tests/fixtures/complete_deal.json" "$work" "$DEALS" <<'PY'
import csv, json, random, sys, datetime as dt
fixture, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = json.load(open(fixture))
rnd = random.Random(7)
companies = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka",
             "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Vandelay", "Massive", "Oscorp",
             "Dunder Mifflin", "Monarch", "Gringotts", "Pied Piper", "Nakatomi"]
suffixes = ["Corp", "Industries", "Holdings", "Group", "Logistics", "Bank", "Health", "Retail"]
products = ["ERP rollout", "CRM migration", "Data platform", "Payroll renewal", "Security suite",
            "Analytics expansion", "Supply chain", "HR cloud", "Billing replatform", "Service desk"]
owners = ["Alice Moreau", "Bilal Chaudhry", "Carmen Ortiz", "Dmitri Volkov", "Ewa Nowak",
          "Farah Haddad", "Gustavo Lima", "Hannah Becker", "Ines Duarte", "Jun Tanaka",
          "Kwame Mensah", "Lena Fischer"]
sas = ["Priya Raman", "Tom Okafor", "Sofia Rossi", "Ravi Menon"]
managers = ["Grace Liu", "Marcus Webb", "Nadia Petrova"]
stages = ["Qualification", "Discovery", "Solution", "Proposal"]
content_keys = ["meddpicc", "stakeholders", "budget", "validation_plan", "competitors",
                "decision_process", "timeline", "risks", "next_steps"]
start = dt.datetime(2026, 8, 3, 9, 0, tzinfo=dt.timezone.utc)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
out = open(f"{work}/deals.json", "w")
deals = csv.writer(open(f"{work}/deals.csv", "w", newline=""))
steps = csv.writer(open(f"{work}/steps.csv", "w", newline=""))
content = csv.writer(open(f"{work}/content.csv", "w", newline=""))
out.write("[\n")
for i in range(n):
    d = dict(base)
    company = rnd.choice(companies)
    d["name"] = f"{company} {rnd.choice(products)} {rnd.randint(10, 99)}"
    d["account"] = f"{company} {rnd.choice(suffixes)}"
    d["amount"] = 50_000 + rnd.randint(0, 850) * 1_000
    d["implementation_fee"] = d["amount"] // 2
    close = dt.date(2027, 1, 1) + dt.timedelta(days=rnd.randint(0, 364))
    d["close_date"] = close.isoformat()
    d["trigger_date"] = (close - dt.timedelta(days=90)).isoformat()
    d["stage"] = rnd.choice(stages)
    d["owner"], d["sa"], d["manager"] = rnd.choice(owners), rnd.choice(sas), rnd.choice(managers)
    created = start + dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 90))
    d["created_at"] = iso(created)
    done = rnd.randint(0, 10)
    ss = []
    for s in base["steps"]:
        s = dict(s)
        if s["number"] <= done:
            began = created + dt.timedelta(hours=s["number"] * 5)
            s.update(status="complete", started_at=iso(began),
                     completed_at=iso(began + dt.timedelta(hours=3)),
                     actions=[True] * 5)
        ss.append(s)
    d["steps"] = ss
    out.write(json.dumps(d, separators=(",", ":")))
    out.write(",\n" if i + 1 < n else "\n")
    id = i + 1
    deals.writerow([id, d["name"], d["account"], d["amount"] * 100, d["implementation_fee"] * 100,
                    d["support_rate_percent"], d["close_date"], d["stage"], d["owner"], d["sa"],
                    d["manager"], d["trigger_date"], d["created_at"], d["created_at"], 1])
    for s in ss:
        notes = s.get("notes", {})
        steps.writerow([id, s["number"], s["status"], s.get("started_at", ""),
                        s.get("completed_at", ""), "", "", 31 if s["status"] == "complete" else 0,
                        notes.get("outcomes", ""), notes.get("decisions", ""),
                        notes.get("next_steps", ""), s.get("confirmed_with", ""),
                        s.get("confirmed_on", ""), s.get("completed_at", "")])
    content.writerow([id, json.dumps({k: d[k] for k in content_keys if k in d},
                                     separators=(",", ":"))])
out.write("]\n")
PY
fi
ls -l "$work"/deals.json "$work"/*.csv | awk '{print $5, $9}' >&2

# --- one database made by qualify, read by both -----------------------------
db="$work/qualify.db"
if [ ! -s "$db" ]; then
    echo "importing into $db (untimed, to read from) ..." >&2
    "$qualify" --db "$db" --as-of "$AS_OF" deal import "$work/deals.json" >/dev/null
fi
# an empty database with qualify's schema (the floor imports into it)
empty="$work/empty.db"
if [ ! -s "$empty" ]; then
    "$qualify" --db "$empty" deal list >/dev/null
    sqlite3 "$empty" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
fi

median() { # hyperfine's median of the command, in seconds
    local json="$work/hf.json"
    hyperfine --style none -i --runs "$RUNS" --export-json "$json" "$@" >/dev/null 2>&1 || {
        echo "hyperfine failed: $*" >&2; return 1; }
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$json"
}
peak() { # peak resident memory of the command, in MiB
    local log="$work/time.log"
    /usr/bin/time -v -o "$log" bash -c "$1" >/dev/null 2>&1 || true
    awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log"
}
rows=()
row() { # label, qualify command, floor command, prepare (optional)
    local label=$1 q=$2 f=$3 prep=${4:-true}
    local tq tf mq mf
    tq=$(median --prepare "$prep" "$q")
    eval "$prep"
    mq=$(peak "$q")
    local fprep=${prep//qualify-run/floor-run}
    tf=$(median --prepare "$fprep" "$f")
    eval "$fprep"
    mf=$(peak "$f")
    rows+=("$(python3 -c "
import sys
l, tq, tf, mq, mf = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f'| {l} | {tq:.2f} s, {mq} MiB | {tf:.2f} s, {mf} MiB | {tq / tf:.2f}x |')
" "$label" "$tq" "$tf" "$mq" "$mf")")
    echo "${rows[-1]}" >&2
}

cols="d.id, d.name, d.account, d.amount_cents, d.close_date, d.stage, d.owner, d.sa,
  p.steps_complete, p.steps_blocked, p.forecast, p.verdict, p.meddpicc_total, p.qa_passed,
  p.escalations, p.overdue_from, p.risk_band, p.next_step_due, p.stalled_from, p.outcome"

# deal import: a fresh file each run; the floor imports the same deals'
# rows (deals, steps, content) as CSV into a fresh file of the same schema
run="$work/qualify-run.db"
row "\`deal import\` of $DEALS deals (JSON array, $(du -m "$work/deals.json" | cut -f1) MB)" \
    "$qualify --db $run --as-of $AS_OF deal import $work/deals.json >/dev/null" \
    "sqlite3 $work/floor-run.db '.mode csv' '.import $work/deals.csv deals' '.import $work/steps.csv steps' '.import $work/content.csv deal_content'" \
    "rm -f $work/qualify-run.db*; cp $empty $work/qualify-run.db"

row "\`deal list --json\`" \
    "$qualify --db $db --as-of $AS_OF deal list --json >/dev/null" \
    "sqlite3 -json $db \"SELECT $cols FROM deals d JOIN pipeline p ON p.deal_id = d.id ORDER BY d.close_date IS NULL, d.close_date, d.id\" >/dev/null"

floor_check="sqlite3 $db \"SELECT d.*, c.body FROM pipeline p JOIN deals d ON d.id = p.deal_id LEFT JOIN deal_content c ON c.deal_id = p.deal_id WHERE p.outcome IS NULL ORDER BY p.deal_id; SELECT s.* FROM pipeline p JOIN steps s ON s.deal_id = p.deal_id WHERE p.outcome IS NULL ORDER BY p.deal_id, s.number; SELECT e.* FROM pipeline p JOIN escalations e ON e.deal_id = p.deal_id WHERE p.outcome IS NULL ORDER BY p.deal_id, e.id\" >/dev/null"
row "\`check\` (every open deal)" \
    "$qualify --db $db --as-of $AS_OF check >/dev/null" "$floor_check"
row "\`check --json\`" \
    "$qualify --db $db --as-of $AS_OF check --json >/dev/null" "$floor_check"

echo
echo "$DEALS deals · $(nproc) cores · $(uname -sr) · sqlite3 $(sqlite3 --version | cut -d' ' -f1) · medians of $RUNS runs"
echo
echo "| Work | qualify | Floor: sqlite3 on the same rows | Ratio |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
