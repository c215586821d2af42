#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each one for SECONDS (default 60, or $FUZZ_SECONDS).
#
#   ops/fuzz/run.sh [SECONDS] [TARGET...]       targets: csv libsvm idx container json (default: all)
#   FUZZ_RUNS=1000000 ops/fuzz/run.sh 0 csv     a fixed number of executions instead of a time
#
# Each target is compiled with `swiftc -sanitize=fuzzer,address` from its harness, Fuzz/FuzzSupport.swift
# and every source of UnlearnData, plus CKernels' C source with clang (so the decoders run with ASan and
# libFuzzer's coverage); UnlearnCore and swift-crypto are linked from a SwiftPM build
# (`swift build --target UnlearnData`).
# Runs start from the committed seeds in ops/fuzz/corpus/<target>/; new inputs go to the scratch
# corpus in $FUZZ_OUT/corpus/<target>/ (never into the committed seeds). Crashing inputs are kept in
# $FUZZ_OUT/artifacts/<target>/ (emptied at the start of the target's run). Prints, per target, executions and crashes; exits 1 on any crash.
#
# Environment: FUZZ_SECONDS, FUZZ_RUNS, FUZZ_OUT (default .build-fuzz), FUZZ_CONFIG (debug|release:
# which SwiftPM build to link; default debug, or release when only that one is built),
# FUZZ_BIN (link from this SwiftPM bin folder, skipping swift build), FUZZ_JOBS_NICE (nice level, default 10), FUZZ_MAX_LEN (65536), FUZZ_RSS_MB (2048), FUZZ_EXTRA (more
# libFuzzer flags), FUZZ_NO_BUILD=1 (reuse built targets), FUZZ_KNOWN_OOM (targets whose
# out-of-memory inputs are a known, reported bug rather than a failure; default "libsvm": a LibSVM
# feature index near 10^9 makes the importer allocate rows x index floats; set it to "" once the
# importer caps the index).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

seconds="${1:-${FUZZ_SECONDS:-60}}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(csv libsvm idx container json)
out="${FUZZ_OUT:-$root/.build-fuzz}"
nice_level="${FUZZ_JOBS_NICE:-10}"
max_len="${FUZZ_MAX_LEN:-65536}"
rss_mb="${FUZZ_RSS_MB:-2048}"

harness_of() {
    case "$1" in
        csv) echo Fuzz/FuzzCSV.swift ;;
        libsvm) echo Fuzz/FuzzLibSVM.swift ;;
        idx) echo Fuzz/FuzzIDX.swift ;;
        container) echo Fuzz/FuzzContainer.swift ;;
        json) echo Fuzz/FuzzJSON.swift ;;
        *) echo "unknown fuzz target '$1' (csv, libsvm, idx, container, json)" >&2; exit 64 ;;
    esac
}
for t in "${targets[@]}"; do harness_of "$t" >/dev/null; done

start=$(date +%s)
mkdir -p "$out/bin" "$out/corpus" "$out/artifacts" "$out/logs"

# --- Build --------------------------------------------------------------------------------------
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    config="${FUZZ_CONFIG:-}"
    if [ -z "$config" ]; then
        config=debug
        if [ ! -d .build/debug/Modules/Crypto.swiftmodule ] && [ -d .build/release/Modules/Crypto.swiftmodule ]; then
            config=release
        fi
    fi
    bin="${FUZZ_BIN:-}"   # a SwiftPM bin folder to link from as it is (no swift build)
    if [ -z "$bin" ]; then
        echo "fuzz: building UnlearnData's dependencies (swift build -c $config --target UnlearnData)"
        nice -n "$nice_level" swift build -c "$config" --target UnlearnData >"$out/logs/swift-build.log" 2>&1 \
            || { tail -30 "$out/logs/swift-build.log"; exit 1; }
        bin="$(swift build -c "$config" --show-bin-path)"
    fi

    # A module map for the CKernels C target (SwiftPM generates its own inside .build; ours is stable).
    mkdir -p "$out/include/CKernels"
    cat >"$out/include/CKernels/module.modulemap" <<EOF
module CKernels {
    header "$root/Sources/CKernels/include/unlearn_kernels.h"
    export *
}
EOF
    # The codec's C kernel (byte shuffle) is compiled here too, with ASan, since the decoder calls it.
    nice -n "$nice_level" clang -O1 -g -fsanitize=address,fuzzer-no-link -I Sources/CKernels/include \
        -c Sources/CKernels/kernels.c -o "$out/kernels.o"
    # Objects of the modules linked as they are (not instrumented): UnlearnCore, swift-crypto.
    mapfile -t objects < <(find "$bin/UnlearnCore.build" "$bin/Crypto.build" \
        "$bin/CCryptoBoringSSL.build" "$bin/CCryptoBoringSSLShims.build" "$bin/CryptoBoringWrapper.build" \
        -name '*.o' 2>/dev/null | sort)
    [ ${#objects[@]} -gt 0 ] || { echo "fuzz: no objects under $bin (did swift build run?)" >&2; exit 1; }
    mapfile -t data_sources < <(find Sources/UnlearnData -name '*.swift' | sort)
    includes=(-I "$bin/Modules" -I Sources/CZstd -I Sources/CZlib -I Sources/COpenBLAS -I "$out/include/CKernels")

    # UnlearnData once, instrumented (whole module: one object), then one small link per target.
    echo "fuzz: compiling UnlearnData with -sanitize=fuzzer,address"
    mkdir -p "$out/modules"
    nice -n "$nice_level" swiftc -sanitize=fuzzer,address -parse-as-library -O -g -wmo \
        -module-name UnlearnData -swift-version 6 "${includes[@]}" \
        -emit-module -emit-module-path "$out/modules/UnlearnData.swiftmodule" \
        -emit-object -o "$out/UnlearnData.o" "${data_sources[@]}" >"$out/logs/build-UnlearnData.log" 2>&1 \
        || { tail -40 "$out/logs/build-UnlearnData.log"; exit 1; }
    for t in "${targets[@]}"; do
        echo "fuzz: linking fuzz-$t"
        nice -n "$nice_level" swiftc -sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 \
            -I "$out/modules" "${includes[@]}" \
            Fuzz/FuzzSupport.swift "$(harness_of "$t")" "$out/UnlearnData.o" "$out/kernels.o" "${objects[@]}" \
            -lzstd -lz -lopenblas -lstdc++ \
            -o "$out/bin/fuzz-$t" >"$out/logs/build-$t.log" 2>&1 \
            || { tail -40 "$out/logs/build-$t.log"; exit 1; }
    done
fi
built=$(date +%s)
echo "fuzz: built in $((built - start)) s"

# --- Run ----------------------------------------------------------------------------------------
scratch="$(mktemp -d "${TMPDIR:-/tmp}/unlearn-fuzz.XXXXXX")"
[ -d /dev/shm ] && [ -w /dev/shm ] && { rmdir "$scratch"; scratch="$(mktemp -d /dev/shm/unlearn-fuzz.XXXXXX)"; }
trap 'rm -rf "$scratch"' EXIT

failed=0
total_execs=0
known_ooms="${FUZZ_KNOWN_OOM-}"
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t"
    bound=(-max_total_time="$seconds")
    [ -n "${FUZZ_RUNS:-}" ] && bound=(-runs="$FUZZ_RUNS")
    log="$out/logs/run-$t.log"
    # A target with a known out-of-memory bug runs in fork mode, going on after an OOM or a crash;
    # every input it kept is replayed afterwards: one that dies of an oversized allocation is the
    # known bug (counted, reported, not a failure); any other crash or a timeout fails the run.
    art="$out/artifacts/$t"
    rm -rf "$art"; mkdir -p "$art"
    mode=()
    known_oom=0
    case " $known_ooms " in *" $t "*) known_oom=1; mode=(-fork=1 -ignore_ooms=1 -ignore_crashes=1 -ignore_timeouts=1) ;; esac
    t0=$(date +%s)
    set +e
    # shellcheck disable=SC2086
    FUZZ_TMPDIR="$scratch/$t" ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0" \
        nice -n "$nice_level" "$out/bin/fuzz-$t" "${bound[@]}" "${mode[@]}" \
        -max_len="$max_len" -timeout=20 -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
        -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_EXTRA:-} \
        "$out/corpus/$t" "ops/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    t1=$(date +%s)
    ooms=0; slow=0
    if [ "$known_oom" = 1 ]; then
        # Fork mode's last progress line: "#N: cov: … exec/s: … oom/timeout/crash: a/b/c …".
        execs=$(grep -a -E '^#[0-9]+: cov:' "$log" | tail -1 | sed -E 's/^#([0-9]+):.*/\1/')
        crashes=0
        for unit in "$art"/*; do
            [ -e "$unit" ] || continue
            case "$(basename "$unit")" in
                oom-*) ooms=$((ooms + 1)); continue ;;
                slow-unit-*) slow=$((slow + 1)); continue ;;   # over 10 s (under load: big allocations)
                timeout-*) crashes=$((crashes + 1)); continue ;;
            esac
            FUZZ_TMPDIR="$scratch/$t" ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0" \
                "$out/bin/fuzz-$t" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" "$unit" >"$log.replay" 2>&1 || true
            if grep -a -q -E 'out of memory|out-of-memory|allocation-size-too-big|exceeds maximum supported size|Could not allocate memory' "$log.replay"; then
                ooms=$((ooms + 1)); mv "$unit" "$art/oom-$(basename "$unit")"
            else
                crashes=$((crashes + 1))
            fi
        done
        [ "$rc" -eq 0 ] || crashes=$((crashes + 1))
    else
        execs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
        crashes=$(grep -a -c -E '^==[0-9]+==ERROR|deadly signal|SUMMARY: libFuzzer|Fatal error' "$log" || true)
    fi
    total_execs=$(( total_execs + ${execs:-0} ))
    if [ "$rc" -ne 0 ] || [ "${crashes:-0}" -ne 0 ]; then
        failed=1
        crashes=$(( crashes > 0 ? crashes : 1 ))
        echo "fuzz $t: ${execs:-?} executions in $((t1 - t0)) s, $crashes CRASH(ES) (exit $rc); log $log, inputs:"
        ls "$art"/* 2>/dev/null | grep -v -E '/(oom|slow-unit)-' | sed 's/^/  /'
        grep -a -m 12 -E 'ERROR|Fatal error|deadly|#[0-9]+ 0x' "$log" | sed 's/^/  | /'
    else
        echo "fuzz $t: ${execs:-?} executions in $((t1 - t0)) s, 0 crashes" \
             "$( [ "$known_oom" = 1 ] && echo "($ooms out-of-memory inputs: known issue, see ops/fuzz/README.md; inputs in $art/oom-*)")$( [ "$slow" -gt 0 ] && echo ", $slow slow input(s) in $art/slow-unit-*")"
    fi
done
echo "fuzz: total $(( $(date +%s) - start )) s (build $((built - start)) s), $total_execs executions"
exit "$failed"
