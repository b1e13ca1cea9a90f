//go:build warm

package main

import _ "github.com/noxkey/noxkey/internal/warmstart"
