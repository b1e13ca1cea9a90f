#!/usr/bin/env bash
# Runs the guard and hook benchmarks COUNT times (default 6) and summarises
# them with benchstat. BenchmarkScan times GNU grep -F -c -f (LC_ALL=C) on
# the same 16 MB file with the same fingerprint windows in the same run and
# reports our MB/s divided by grep's as x-grep; BenchmarkFilterVsFloor runs
# the whole noxkey-hook filter process against a trivial Go copy program
# and reports x-floor (also the Claude hook, the first call after a vault
# write, and the time noxkey-hook --shell adds to a command);
# BenchmarkFilterThroughput the filter's MB/s on 16 MB read from a pipe;
# BenchmarkStages each pass of the scan on 16 MB, on one goroutine.
#   bench/run.sh [COUNT]     results in bench/out/
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-6}"
mkdir -p bench/out
command -v benchstat >/dev/null || go install golang.org/x/perf/cmd/benchstat@latest
export PATH="$(go env GOPATH)/bin:$PATH"
go test -run '^$' -bench '^Benchmark(Scan|Build|Load)$' -benchtime 10x -count "$count" ./guard | tee bench/out/guard.txt
go test -run '^$' -bench '^BenchmarkStages$' -benchtime 5x -count "$count" ./guard | tee bench/out/stages.txt
# The hook-vs-floor ratios take 200 alternating runs a count: on a small VM
# the floor moves by a tenth between runs, and 30 left a +-10% interval.
go test -run '^$' -bench 'VsFloor' -benchtime 200x -count "$count" ./cmd/noxkey-hook | tee bench/out/hook.txt
go test -run '^$' -bench 'FirstCallAfterWrite' -benchtime 30x -count "$count" ./cmd/noxkey-hook | tee bench/out/hook2.txt
# The filter's throughput on 16 MB through a pipe, against cat of the same file.
go test -run '^$' -bench 'FilterThroughput' -benchtime 10x -count "$count" ./cmd/noxkey-hook | tee bench/out/throughput.txt
go test -run '^$' -bench 'ShellOverhead' -benchtime 30x -count "$count" ./hooks/relay | tee bench/out/shell.txt
go test -run '^$' -bench 'Import1000' -benchtime 3x -count "$count" ./cmd/noxkey | tee bench/out/vault.txt
go test -run '^$' -bench 'Get|BashFloor' -benchtime 30x -count "$count" ./cmd/noxkey | tee bench/out/get.txt
go test -run '^$' -bench 'DetectLive' -count "$count" ./handoff | tee bench/out/detect.txt
benchstat bench/out/guard.txt bench/out/stages.txt bench/out/hook.txt bench/out/hook2.txt bench/out/throughput.txt bench/out/shell.txt bench/out/vault.txt bench/out/get.txt bench/out/detect.txt
