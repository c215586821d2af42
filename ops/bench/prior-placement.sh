#!/usr/bin/env bash
# Prior placement against uniform placement on Adult: a deletion-likelihood column in front
# (5% of rows at 0.6, chosen by a hash of the row number, the rest at 0.01), S=20 R=10, softmax,
# e0=3, requests drawn from the prior. With BEFORE=<another build>, runs it too on the same file.
# Prints the bench's tables (the README's "Placement by deletion prior").
#
# Usage: [BEFORE=/path/to/unlearn] ops/bench/prior-placement.sh   (env: TRIALS, default 9)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
TRIALS="${TRIALS:-9}"
csv="$WORK/adult-prior.csv"
zstd -dc data/adult/adult.data.zst | python3 -c '
import hashlib, sys
rows = (line.rstrip("\n") for line in sys.stdin if line.strip())
for n, line in enumerate(rows):
    likely = int(hashlib.sha256(str(n).encode()).hexdigest()[:8], 16) % 20 == 0
    print(("0.6" if likely else "0.01") + ", " + line)' > "$csv"
for bin in ${BEFORE:+"$BEFORE"} "$U"; do
    echo "== $bin"
    "$bin" bench sweep --data "$csv" --format csv --prior 0 --shards 20 --slices 10 --requests 8,32 \
        --model softmax --epochs 3 --trials "$TRIALS" --work "$WORK/sweep"
done
rm -rf "$WORK"
