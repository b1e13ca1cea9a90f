package regexp

// upstreamVersion is the Go release this package is copied from: its
// regexp and regexp/syntax, with syntax/parse.go and syntax/perl_groups.go
// changed (their "noxkey:" comments say how: Unicode tables looked up on
// first use rather than built at start-up) and syntax/unicode_names*.go
// added. TestSameAsUpstream fails when any other file differs from
// $GOROOT/src/regexp, so fixes to Go's regexp are not silently left out.
const upstreamVersion = "go1.26.8"
