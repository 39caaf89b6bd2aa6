#!/usr/bin/env bash
# The benchmark (`make bench`): builds a Release tree with the bench tools,
# generates the corpora, measures minga against a bare Xapian indexer and
# SQLite FTS5, prints one table and writes BENCHMARKS.md.
#
# Environment:
#   BENCH_SCALE=large     also 1 000 000 cases
#   BENCH_SIZES="10000"   the corpus sizes (default "10000 100000")
#   BENCH_BUDGET_S=5400   a size whose projected time (from the previous
#                         size, scaled) would end past this many seconds
#                         since the start is skipped, and said so
#   BENCH_STEP_TIMEOUT=1200  seconds for any one step
#   BENCH_SEED=42  BENCH_PORT=18080  BENCH_ROUNDS=5  BENCH_QUERY_PASSES=3
#   BENCH_RATE_ROUNDS=50  rounds of the in-process 2-thread rate the HTTP
#                         rate is compared with: several seconds, as wrk's
#                         10 s run (5 rounds lasted under half a second at
#                         10 000 cases, and swung by 25% between passes)
#   BENCH_XAPIAN_FLUSH=250   XAPIAN_FLUSH_THRESHOLD for the bare Xapian
#                         indexer: the value minga's writer sets for itself,
#                         so the ratio compares work, not a tuning knob
#   BENCH_WORK=build-release/bench-work   corpora, data folders, logs
#   BENCH_OUT=BENCHMARKS.md
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-release}
WORK=${BENCH_WORK:-$BUILD/bench-work}
OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
SEED=${BENCH_SEED:-42}
PORT=${BENCH_PORT:-18080}
ROUNDS=${BENCH_ROUNDS:-5}
RATE_ROUNDS=${BENCH_RATE_ROUNDS:-50}
QUERY_PASSES=${BENCH_QUERY_PASSES:-3}
BUDGET=${BENCH_BUDGET_S:-5400}
STEP_TIMEOUT=${BENCH_STEP_TIMEOUT:-1200}
XAPIAN_FLUSH=${BENCH_XAPIAN_FLUSH:-${XAPIAN_FLUSH_THRESHOLD:-250}}
if [ -n "${BENCH_SIZES:-}" ]; then
  SIZES=$BENCH_SIZES
elif [ "${BENCH_SCALE:-}" = large ]; then
  SIZES="10000 100000 1000000"
else
  SIZES="10000 100000"
fi
JOBS=$(nproc 2>/dev/null || echo 2)
MINGA=$BUILD/bin/minga
BT=$BUILD/bench
RESULTS=$WORK/results.txt
START=$(date +%s)

say() { printf 'bench: %s\n' "$*" >&2; }
put() { printf '%s %s\n' "$1" "$2" >>"$RESULTS"; }
elapsed() { echo $(( $(date +%s) - START )); }
load1() { cut -d' ' -f1 /proc/loadavg; }

for tool in wrk /usr/bin/time python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || {
    say "$tool is missing: run BENCH=1 scripts/setup.sh (or make bench)"
    exit 1
  }
done

# -- build ---------------------------------------------------------------
say "building the Release tree in $BUILD"
mkdir -p "$WORK"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMINGA_BENCH=ON \
  -DMINGA_TESTS=OFF >"$WORK/build.log" 2>&1 &&
  cmake --build "$BUILD" -j"$JOBS" >>"$WORK/build.log" 2>&1 || {
  tail -50 "$WORK/build.log" >&2; exit 1; }
: >"$RESULTS"

# -- the machine -----------------------------------------------------------
put machine_cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
put machine_cores "$(nproc)"
put machine_mem_kb "$(awk '/MemTotal/{print $2}' /proc/meminfo)"
put machine_kernel "$(uname -sr)"
put machine_os "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
put version_xapian "$(pkg-config --modversion xapian-core)"
put version_sqlite "$(pkg-config --modversion sqlite3)"
put version_wrk "$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
put version_minga "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo +changes)"
put run_date "$(date -u +%Y-%m-%dT%H:%MZ)"
put run_seed "$SEED"
put run_rounds "$ROUNDS"
put run_rate_rounds "$RATE_ROUNDS"
put run_query_passes "$QUERY_PASSES"
put run_xapian_flush "$XAPIAN_FLUSH"
put load_start "$(load1)"

# Runs a command under GNU time with a timeout; records KEY_{wall,user,
# sys,rss_kb,ok}. The command's output goes to $WORK/KEY.log.
timed() {
  local key=$1; shift
  local log=$WORK/$key.log tf=$WORK/$key.time
  local rc=0
  put "${key}_load" "$(load1)"
  /usr/bin/time -o "$tf" -f 'wall=%e user=%U sys=%S rss_kb=%M' \
    timeout "$STEP_TIMEOUT" "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    say "$key failed (exit $rc; 124 = timeout after ${STEP_TIMEOUT}s): see $log"
    tail -5 "$log" >&2 || true
    put "${key}_ok" 0
    return 1
  fi
  local line
  line=$(grep 'wall=' "$tf" | tail -1)
  for kv in $line; do put "${key}_${kv%%=*}" "${kv#*=}"; done
  put "${key}_ok" 1
}

# Records the RESULT/CHECK/INDEX/WRK lines of a log under a prefix.
harvest() {
  local prefix=$1 log=$2
  grep -E '^(RESULT|CHECK|WRK)' "$log" | while read -r kind label rest; do
    if [ "$kind" = WRK ]; then rest="$label $rest"; label=""; fi
    for kv in $rest; do
      put "${prefix}${label:+_$label}_${kind,,}_${kv%%=*}" "${kv#*=}"
    done
  done
}

# Of several query logs, the one whose RESULT line has the median p99.
median_log() {
  local f
  for f in "$@"; do
    printf '%s %s\n' "$(grep -m1 '^RESULT' "$f" | tr ' ' '\n' |
      sed -n 's/^p99_us=//p')" "$f"
  done | sort -g | awk '{ line[NR] = $2 } END { print line[int((NR + 1) / 2)] }'
}

# Of the HTTP passes of size prefix $1 (numbers), the one whose ratio of
# wrk's rate to the in-process 2-thread rate is the median.
median_http_pass() {
  local p=$1 pass; shift
  for pass in "$@"; do
    local qps rps
    qps=$(grep -m1 '^RESULT' "$WORK/${p}_qb2_$pass.log" | tr ' ' '\n' |
      sed -n 's/^qps=//p')
    rps=$(grep -m1 '^WRK' "$WORK/${p}_wrk_search_$pass.log" | tr ' ' '\n' |
      sed -n 's/^rps=//p')
    awk -v r="${rps:-0}" -v q="${qps:-0}" -v n="$pass" \
      'BEGIN { printf "%.6f %s\n", (q > 0 ? r / q : 0), n }'
  done | sort -g | awk '{ pass[NR] = $2 } END { print pass[int((NR + 1) / 2)] }'
}

dir_bytes() { du -sb "$1" 2>/dev/null | cut -f1; }

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap stop_server EXIT

run_size() {
  local n=$1 c=$WORK/corpus-$n p="s$1"
  # -- corpus
  if [ ! -f "$c/corpus.env" ] || ! grep -qx "SEED=$SEED" "$c/corpus.env" ||
     [ "$BT/gen_corpus" -nt "$c/corpus.env" ]; then
    say "$n: generating the corpus"
    rm -rf "$c"
    "$BT/gen_corpus" --n "$n" --seed "$SEED" --out "$c" \
      --sdg "$ROOT/data/sdg.json"
  fi
  while IFS='=' read -r k v; do put "${p}_corpus_${k,,}" "$v"; done <"$c/corpus.env"
  local limits="--max-entries $((n * 3 + 100)) --max-total-size 64G --max-archive-size 64G"

  # -- 1. import: minga (JSONL, tar.gz), bare Xapian, FTS5
  local d=$WORK/data-$n dt=$WORK/data-tgz-$n
  rm -rf "$d" "$dt" "$WORK/xapian-$n" "$WORK/fts5-$n.db"
  "$MINGA" --data "$d" init >/dev/null
  say "$n: minga import cases.jsonl"
  timed "${p}_import_jsonl" "$MINGA" --data "$d" import $limits "$c/cases.jsonl" || return 1
  say "$n: minga import cases.tar.gz"
  "$MINGA" --data "$dt" init >/dev/null
  timed "${p}_import_tgz" "$MINGA" --data "$dt" import $limits "$c/cases.tar.gz" || true
  put "${p}_size_tgz_index" "$(dir_bytes "$dt/index")"
  rm -rf "$dt"
  # the other layout: 2 shards when the default gave this machine 1 (one
  # per two cores), else 1; imported and searched below the same way
  local shards alt d2=$WORK/data-alt-$n
  shards=$(cut -d' ' -f2 "$d/index/minga-index-shards")
  alt=$([ "$shards" = 1 ] && echo 2 || echo 1)
  put "${p}_shards" "$shards"
  put "${p}_shards_alt" "$alt"
  rm -rf "$d2"
  say "$n: minga import cases.jsonl into $alt shard(s)"
  MINGA_INDEX_SHARDS=$alt "$MINGA" --data "$d2" init >/dev/null
  timed "${p}_import_jsonl_alt" "$MINGA" --data "$d2" import $limits \
    "$c/cases.jsonl" || true
  say "$n: bare Xapian index"
  timed "${p}_xapian_index" env XAPIAN_FLUSH_THRESHOLD="$XAPIAN_FLUSH" \
    "$BT/baseline_xapian" index \
    --jsonl "$c/cases.jsonl" --db "$WORK/xapian-$n" || true
  say "$n: FTS5 index"
  timed "${p}_fts5_index" "$BT/baseline_fts5" index \
    --jsonl "$c/cases.jsonl" --db "$WORK/fts5-$n.db" || true
  put "${p}_size_index" "$(dir_bytes "$d/index")"
  put "${p}_size_catalog" "$(dir_bytes "$d/catalog.db")"
  put "${p}_size_xapian" "$(dir_bytes "$WORK/xapian-$n")"
  put "${p}_size_fts5" "$(dir_bytes "$WORK/fts5-$n.db")"

  # -- 2. query latency, same 200 queries
  local q=$c/queries.tsv
  say "$n: queries in process (minga, bare Xapian, FTS5)"
  # minga and FTS5, the pair the targets compare, run QUERY_PASSES times
  # in turn and each reports its median pass (by p99): a slow spell of a
  # shared machine then moves both, or neither, rather than one of them.
  local pass qb_logs="" fq_logs=""
  for pass in $(seq "$QUERY_PASSES"); do
    timed "${p}_qb1_$pass" "$BT/query_bench" --data "$d" --queries "$q" \
      --rounds "$ROUNDS" --label minga && qb_logs="$qb_logs $WORK/${p}_qb1_$pass.log"
    if [ -f "$WORK/fts5-$n.db" ]; then
      timed "${p}_fq_$pass" "$BT/baseline_fts5" search --db "$WORK/fts5-$n.db" \
        --queries "$q" --rounds "$ROUNDS" --label fts5 &&
        fq_logs="$fq_logs $WORK/${p}_fq_$pass.log"
    fi
  done
  # shellcheck disable=SC2086
  [ -n "$qb_logs" ] && harvest "$p" "$(median_log $qb_logs)"
  # shellcheck disable=SC2086
  [ -n "$fq_logs" ] && harvest "$p" "$(median_log $fq_logs)"
  timed "${p}_qbnf" "$BT/query_bench" --data "$d" --queries "$q" \
    --rounds "$ROUNDS" --no-facets --label minga_nofacets &&
    harvest "$p" "$WORK/${p}_qbnf.log"
  if [ -d "$WORK/data-alt-$n" ]; then
    timed "${p}_qbalt" "$BT/query_bench" --data "$WORK/data-alt-$n" \
      --queries "$q" --rounds "$ROUNDS" --label minga_alt &&
      harvest "$p" "$WORK/${p}_qbalt.log"
    rm -rf "$WORK/data-alt-$n"
  fi
  if [ -d "$WORK/xapian-$n" ]; then
    timed "${p}_xq" "$BT/baseline_xapian" search --db "$WORK/xapian-$n" \
      --queries "$q" --rounds "$ROUNDS" --label xapian &&
      harvest "$p" "$WORK/${p}_xq.log"
    timed "${p}_xqf" "$BT/baseline_xapian" search --db "$WORK/xapian-$n" \
      --queries "$q" --rounds "$ROUNDS" --full --label xapian_full &&
      harvest "$p" "$WORK/${p}_xqf.log"
  fi

  # -- 3. HTTP, against the in-process rate on two threads: the two runs
  # alternate (the server idle during the in-process one) and the pass
  # whose ratio is the median is reported, both figures from that pass
  say "$n: HTTP (wrk -t2 -c16 -d10s), alternating with the in-process rate"
  "$MINGA" --data "$d" serve --port "$PORT" --quiet \
    >"$WORK/${p}_serve.log" 2>&1 &
  server_pid=$!
  local up=0
  for _ in $(seq 100); do
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then
      up=1; break
    fi
    sleep 0.1
  done
  if [ "$up" = 1 ]; then
    put "${p}_server_rss_start_kb" "$(awk '/VmRSS/{print $2}' /proc/$server_pid/status)"
    wrk -t2 -c16 -d2s -s "$ROOT/bench/wrk_search.lua" \
      "http://127.0.0.1:$PORT" -- "$q" >/dev/null 2>&1 || true   # warm-up
    put "${p}_http_search_load" "$(load1)"
    local passes=""
    for pass in $(seq "$QUERY_PASSES"); do
      timed "${p}_qb2_$pass" "$BT/query_bench" --data "$d" --queries "$q" \
        --rounds "$RATE_ROUNDS" --threads 2 --label minga_2t || continue
      wrk -t2 -c16 -d10s --timeout 10s -s "$ROOT/bench/wrk_search.lua" \
        "http://127.0.0.1:$PORT" -- "$q" >"$WORK/${p}_wrk_search_$pass.log" \
        2>&1 || true
      passes="$passes $pass"
    done
    if [ -n "$passes" ]; then
      # shellcheck disable=SC2086
      pass=$(median_http_pass "$p" $passes)
      put "${p}_http_pass" "$pass"
      harvest "$p" "$WORK/${p}_qb2_$pass.log"
      harvest "${p}_http_search" "$WORK/${p}_wrk_search_$pass.log"
    fi
    wrk -t2 -c16 -d10s --timeout 10s -s "$ROOT/bench/wrk_search.lua" \
      "http://127.0.0.1:$PORT/healthz" >"$WORK/${p}_wrk_health.log" 2>&1 || true
    harvest "${p}_http_health" "$WORK/${p}_wrk_health.log"
    put "${p}_server_hwm_kb" "$(awk '/VmHWM/{print $2}' /proc/$server_pid/status)"
    put "${p}_server_rss_end_kb" "$(awk '/VmRSS/{print $2}' /proc/$server_pid/status)"
    curl -fs "http://127.0.0.1:$PORT/api/search?q=$(head -1 "$q" | cut -f2 | sed 's/ /+/g')" \
      -o "$WORK/${p}_sample_answer.json" || true
  else
    say "$n: the server did not answer /healthz: see $WORK/${p}_serve.log"
    timed "${p}_qb2" "$BT/query_bench" --data "$d" --queries "$q" \
      --rounds "$RATE_ROUNDS" --threads 2 --label minga_2t &&
      harvest "$p" "$WORK/${p}_qb2.log"
  fi
  stop_server

  # -- 5. briefing export of 10 000 cases
  if [ "$n" = 10000 ]; then
    say "$n: export --format briefing"
    timed "${p}_export" "$MINGA" --data "$d" export --format briefing \
      -o "$WORK/briefing-$n.zip" || true
    put "${p}_export_bytes" "$(stat -c %s "$WORK/briefing-$n.zip" 2>/dev/null || echo 0)"
    rm -f "$WORK/briefing-$n.zip"
  fi
  return 0
}

prev_n=0 prev_s=0
for n in $SIZES; do
  now=$(elapsed)
  if [ "$prev_n" -gt 0 ]; then
    # time grows at least linearly with the corpus; 1.2 for the rest
    projected=$(( prev_s * n / prev_n * 12 / 10 ))
    put "s${n}_projected_s" "$projected"
    if [ $(( now + projected )) -gt "$BUDGET" ] && [ -z "${BENCH_SIZES:-}" ]; then
      say "$n: skipped: projected ${projected}s from $prev_n cases; the" \
          "budget (BENCH_BUDGET_S=$BUDGET) has $(( BUDGET - now ))s left"
      put "s${n}_skipped" "projected ${projected} s (from ${prev_n} cases) > ${BUDGET} s budget"
      continue
    fi
  fi
  t0=$(date +%s)
  if run_size "$n"; then
    put "s${n}_done" 1
  else
    put "s${n}_done" 0
  fi
  prev_s=$(( $(date +%s) - t0 ))
  prev_n=$n
  put "s${n}_seconds" "$prev_s"
done
put load_end "$(load1)"
put run_seconds "$(elapsed)"

python3 "$ROOT/bench/report.py" "$RESULTS" "$OUT" "$ROOT/bench/limits.md"
# SDG suggestions (issue 21): precision and recall on the sample cases,
# written into their own section of $OUT (after report.py rewrote it)
say "suggestions: precision and recall on the sample cases"
python3 "$ROOT/bench/suggest_eval.py" --minga "$MINGA" --out "$OUT" \
  >"$WORK/suggest_eval.log" 2>&1 || {
  say "suggest_eval failed: see $WORK/suggest_eval.log"
  tail -5 "$WORK/suggest_eval.log" >&2 || true; }
say "wrote $OUT ($(elapsed) s in all)"
