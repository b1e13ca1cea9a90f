# noxkey developer tasks. `just --list` shows them.

# Build both binaries into ./bin.
build:
    CGO_ENABLED=0 go build -o bin/ ./cmd/...

# The whole test suite (what .ci/run runs after installing packages).
test:
    go test ./...

# Benchmarks (guard scan vs grep, index build/load, hook vs floor, import) through benchstat.
bench count="6":
    bash bench/run.sh {{count}}

# Fuzz each target for a short time.
fuzz seconds="30s":
    go test ./guard -run '^$' -fuzz '^FuzzRedact$' -fuzztime {{seconds}} -fuzzminimizetime 100x
    go test ./guard -run '^$' -fuzz '^FuzzLoad$' -fuzztime {{seconds}} -fuzzminimizetime 100x
    go test ./vault -run '^$' -fuzz '^FuzzDocument$' -fuzztime {{seconds}} -fuzzminimizetime 100x
    go test ./vault -run '^$' -fuzz '^FuzzVaultFile$' -fuzztime {{seconds}} -fuzzminimizetime 100x
    go test ./handoff -run '^$' -fuzz '^FuzzReadMsg$' -fuzztime {{seconds}} -fuzzminimizetime 100x
    go test ./hooks -run '^$' -fuzz '^FuzzUnquoteTo$' -fuzztime {{seconds}} -fuzzminimizetime 100x

# gofmt, go vet, staticcheck, and the macOS build and vet without cgo.
lint:
    test -z "$(gofmt -l .)"
    go vet ./...
    staticcheck ./...
    GOOS=darwin CGO_ENABLED=0 go build ./...
    GOOS=darwin CGO_ENABLED=0 go vet ./...
