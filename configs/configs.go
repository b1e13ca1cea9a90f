// Package configs holds the TOML that noxkey ships inside its binaries:
// guard defaults, pattern rules and (later) agent descriptions. Users
// override them with files of the same name in their config directory.
package configs

import "embed"

// FS holds guard.toml, rules/*.toml, agents/*.toml and systemd/ units.
//
//go:embed guard.toml rules/*.toml agents/*.toml systemd/*
var FS embed.FS
