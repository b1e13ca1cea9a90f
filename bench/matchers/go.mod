module github.com/noxkey/noxkey/bench/matchers

go 1.26.0

require (
	github.com/cloudflare/ahocorasick v0.0.0-20240916140611-054963ec9396
	github.com/noxkey/noxkey v0.0.0
	github.com/petar-dambovaliev/aho-corasick v0.0.0-20250424160509-463d218d4745
)

require golang.org/x/sys v0.50.0 // indirect

replace github.com/noxkey/noxkey => ../..
