// Package configs holds the TOML that noxkey ships inside its binaries:
// guard defaults, pattern rules and agent descriptions. Users
// override them with files of the same name in their config directory.
package configs

import "embed"

// FS holds guard.toml, rules/*.toml, agents/*.toml (and the plugins
// they name) and systemd/ units.
//
//go:embed guard.toml rules/*.toml agents/*.toml agents/*.js systemd/*
var FS embed.FS
