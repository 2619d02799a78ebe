#!/usr/bin/env bash
# Runs the fuzz targets one after the other (see fuzz/README.md).
#
#   fuzz/run.sh                          # every target, 10 minutes each
#   fuzz/run.sh 60 csv_inventory cells   # these targets, 60 seconds each
#
# cargo-fuzz needs nightly flags; on stable Rust, RUSTC_BOOTSTRAP=1 lets it use them. Each target
# starts from its corpus in fuzz/corpus/<target> (kept between runs, not committed) and from seeds
# that ship with the project: the example inventories, the hostile-input corpus and the built-in
# rulebook. A crash is written to fuzz/artifacts/<target>/; the run stops at the first one.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
shift || true
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=(csv_inventory yaml_inventory xlsx_inventory cells rulebook); fi
export RUSTC_BOOTSTRAP=1

seeds_for() {
    case "$1" in
        csv_inventory) echo examples tests/hostile ;;
        yaml_inventory) echo examples tests/hostile ;;
        xlsx_inventory) echo examples tests/hostile ;;
        cells) echo fuzz/seeds/cells ;;
        rulebook) echo rules ;;
    esac
}
max_len_for() {
    case "$1" in
        rulebook | xlsx_inventory) echo 65536 ;;
        cells) echo 256 ;;
        *) echo 16384 ;;
    esac
}

status=0
for t in "${TARGETS[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    # shellcheck disable=SC2046
    if ! cargo fuzz run "$t" "fuzz/corpus/$t" $(seeds_for "$t") -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$(max_len_for "$t")" -dict=fuzz/dict/outlet.dict -print_final_stats=1; then
        echo "fuzz: $t found a crash; see fuzz/artifacts/$t/" >&2
        status=1
    fi
done
exit "$status"
