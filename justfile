# noxkey developer tasks. `just --list` shows them.

# Build both binaries into ./bin.
build:
    go build -o bin/ ./cmd/...

# The whole test suite (what .ci/run runs after installing packages).
test:
    go test ./...

# Benchmarks, 6 runs each, for benchstat.
bench:
    go test -run '^$' -bench . -count 6 ./... | tee bench.txt

# Fuzz each target for a short time.
fuzz seconds="30s":
    go test ./vault -run '^$' -fuzz FuzzDocument -fuzztime {{seconds}}

# gofmt, go vet, staticcheck, and the macOS build without cgo.
lint:
    test -z "$(gofmt -l .)"
    go vet ./...
    staticcheck ./...
    GOOS=darwin CGO_ENABLED=0 go build ./...
