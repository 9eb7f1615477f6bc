#!/usr/bin/env bash
# qualify on a team's PostgreSQL server beside psql on the same rows:
#   1. `deal import` of a whole export (as the administrator moving a team
#      on) against `psql \copy` of the same rows into the same tables (the
#      floor): wall time and peak memory of each, RUNS pairs, the median of
#      the pair ratios;
#   2. every list key on the server, as each role sees it, against 5 ms plus
#      one round trip (`cargo bench --bench server`).
#
#   benches/vs-psql.sh                    # 100,000 deals, 5 pairs
#   DEALS=20000 RUNS=3 benches/vs-psql.sh
#
# It runs a private cluster of its own (scripts/pg-cluster: a temp folder, a
# unix socket only), stopped at the end.
set -euo pipefail

DEALS=${DEALS:-100000}
RUNS=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/qualify-vs-psql.XXXXXX)
chmod 755 "$work"
cluster="$work/pg"
trap '"$root/scripts/pg-cluster" stop "$cluster"' EXIT

if ! [ -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq time >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null; fi
fi

echo "building qualify (release) ..." >&2
(cd "$root" && cargo build --release --quiet --bin qualify)
qualify=$root/target/release/qualify
AS_OF=2026-12-01T09:30:00Z

"$root/scripts/pg-cluster" start "$cluster" >/dev/null
host="host=$cluster"
psql_admin() { psql "$host user=postgres dbname=postgres" -qAt -v ON_ERROR_STOP=1 "$@"; }
fresh() { # a new database with the qualify schema
    psql_admin -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
    "$qualify" --db "$host user=postgres dbname=$1" server init >/dev/null
}

# --- the deals and the team ---------------------------------------------------
fresh bench
admin="$host user=postgres dbname=bench"
add() { "$qualify" --db "$admin" server add-user "$@" >/dev/null; }
add "Morgan Lee" --login morgan --role manager
add "Rachel Adler" --login rachel --role manager
for pair in "Dana Reyes:dana:Morgan Lee" "Marcus Chen:marcus:Morgan Lee" "Aisha Bello:aisha:Morgan Lee" \
            "Tomás Ortega:tomas:Rachel Adler" "Hannah Weiss:hannah:Rachel Adler" "Kofi Mensah:kofi:Rachel Adler"; do
    IFS=: read -r name login manager <<<"$pair"
    add "$name" --login "$login" --role ae --manager "$manager"
done
add "Sam Okafor" --login sam --role sa
add "Lina Haddad" --login lina --role sa
add "Victor Lindqvist" --login victor --role sa
echo "making $DEALS demo deals on the server ..." >&2
/usr/bin/time -f "demo on the server: %e s, peak %M KiB" \
    "$qualify" --db "$admin" --as-of "$AS_OF" demo --deals "$DEALS" --seed 1 >/dev/null
"$qualify" --db "$admin" --as-of "$AS_OF" deal export >"$work/deals.json"
ls -l "$work/deals.json" | awk '{print $5, "bytes of deals.json"}' >&2

# --- 1. deal import against psql \copy -----------------------------------------
# the rows one import writes, copied out once for the floor
fresh probe
"$qualify" --db "$host user=postgres dbname=probe" --as-of "$AS_OF" deal import "$work/deals.json" >/dev/null
tables="deals steps deal_content audit signoffs pipeline"
for t in $tables; do
    psql "$host user=postgres dbname=probe" -qAt -c "\\copy qualify.$t TO '$work/$t.csv' CSV"
done
copy_in() { # the floor: the same rows into the same tables, one transaction
    {
        echo "BEGIN;"
        for t in $tables; do echo "\\copy qualify.$t FROM '$work/$t.csv' CSV"; done
        echo "COMMIT;"
    } | psql "$host user=postgres dbname=$1" -qAt -v ON_ERROR_STOP=1 >/dev/null
}
ratios=()
for i in $(seq 1 "$RUNS"); do
    fresh "imp$i"; fresh "flo$i"
    q=$( { /usr/bin/time -f "%e %M" "$qualify" --db "$host user=postgres dbname=imp$i" --as-of "$AS_OF" \
        deal import "$work/deals.json" >/dev/null; } 2>&1 | tail -1)
    f=$( { /usr/bin/time -f "%e %M" bash -c "$(declare -f copy_in); host='$host'; work='$work'; tables='$tables'; copy_in flo$i"; } 2>&1 | tail -1)
    read -r qs qm <<<"$q"; read -r fs _ <<<"$f"
    r=$(python3 -c "print(f'{$qs/$fs:.2f}')")
    ratios+=("$r")
    echo "pair $i: qualify deal import ${qs} s (peak $((qm / 1024)) MiB), psql \\copy ${fs} s: ${r}x" >&2
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "deal import of $DEALS deals: median ratio to psql \\copy ${median}x over $RUNS pairs (${ratios[*]}); goal <= 2x"

# --- 2. list keys -----------------------------------------------------------------
(cd "$root" && QUALIFY_BENCH_PG="$host dbname=bench" cargo bench --quiet --bench server)
