package vault

import (
	"fmt"
	"strings"
)

// PathRule is the syntax of a secret path, for error messages and help.
const PathRule = "a secret path is one or more segments of lowercase letters, digits, '.', '-' or '_', " +
	"then a NAME that is a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*), joined by '/'; " +
	"for example acme/api/STRIPE_KEY or shared/CLOUDFLARE_API_TOKEN"

// MaxPathLen bounds a path's length.
const MaxPathLen = 512

// ValidatePath reports whether p is a valid secret path.
func ValidatePath(p string) error {
	if err := checkPath(p); err != nil {
		return fmt.Errorf("%w %q: %s; %s", ErrInvalidPath, p, err, PathRule)
	}
	return nil
}

// ValidatePrefix reports whether p is a valid prefix of paths: zero or more
// segments, optionally ending in a NAME.
func ValidatePrefix(p string) error {
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if segmentOK(s) || (i == len(segs)-1 && nameOK(s)) {
			continue
		}
		return fmt.Errorf("%w prefix %q: segment %q is not allowed; %s", ErrInvalidPath, p, s, PathRule)
	}
	return nil
}

// Name returns the NAME part of a path: the environment variable name.
func Name(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// HasPrefix reports whether path lies under prefix, by whole segments.
func HasPrefix(path, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" || path == prefix {
		return true
	}
	return strings.HasPrefix(path, prefix+"/")
}

func checkPath(p string) error {
	if len(p) > MaxPathLen {
		return fmt.Errorf("longer than %d bytes", MaxPathLen)
	}
	segs := strings.Split(p, "/")
	if len(segs) < 2 {
		return fmt.Errorf("it needs at least one segment before the NAME")
	}
	for _, s := range segs[:len(segs)-1] {
		if !segmentOK(s) {
			return fmt.Errorf("segment %q is not allowed", s)
		}
	}
	if n := segs[len(segs)-1]; !nameOK(n) {
		return fmt.Errorf("NAME %q is not a valid environment variable name", n)
	}
	return nil
}

func segmentOK(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func nameOK(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && !(i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
