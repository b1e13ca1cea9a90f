package syntax

import (
	"maps"
	stdsyntax "regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// TestUnicodeClassesMatchGo parses \p and \P of every name package unicode
// knows (and case and separator variants, and names it does not know),
// with and without case folding, here and with Go's regexp/syntax, and
// wants the same classes and the same errors.
func TestUnicodeClassesMatchGo(t *testing.T) {
	names := slices.Collect(maps.Keys(unicode.Categories))
	names = slices.AppendSeq(names, maps.Keys(unicode.Scripts))
	names = slices.AppendSeq(names, maps.Keys(unicode.CategoryAliases))
	names = append(names, "Any", "Assigned", "ASCII", "LC", "Nope", "")
	// Each name in every form; its variants (case, separators, a leading
	// ^) without folding, which takes a tenth of a second for a big class.
	var exprs []string
	for _, n := range names {
		exprs = append(exprs, `\p{`+n+`}`, `\P{`+n+`}`, `(?i)\p{`+n+`}`, `(?i)\P{`+n+`}`, `(?i)[\p{`+n+`}0-9]`)
		for _, v := range []string{strings.ToLower(n), strings.ToUpper(n), strings.ReplaceAll(n, "_", " "), strings.ReplaceAll(n, "_", ""), "^" + n} {
			exprs = append(exprs, `\p{`+v+`}`, `\P{`+v+`}`)
		}
	}
	checked := 0
	for _, expr := range exprs {
		{
			want, werr := stdsyntax.Parse(expr, stdsyntax.Perl)
			got, gerr := Parse(expr, Perl)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("%s: error %v, Go's regexp/syntax: %v", expr, gerr, werr)
			}
			if werr != nil {
				if gerr.Error() != werr.Error() {
					t.Fatalf("%s: error %q, Go's: %q", expr, gerr, werr)
				}
				continue
			}
			if got.String() != want.String() {
				t.Fatalf("%s: parsed as %.200s, Go's regexp/syntax as %.200s", expr, got, want)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d valid expressions compared", checked)
	}
	t.Logf("%d names, %d valid expressions of %d give the same classes", len(names), checked, len(exprs))
}

// TestUnicodeNamesUpToDate regenerates unicodeByName's cases from package
// unicode and wants them all present.
func TestUnicodeNamesUpToDate(t *testing.T) {
	for k, want := range unicode.Categories {
		if k != "LC" {
			if got, _ := unicodeByName(k); got != want {
				t.Errorf("category %s: not in unicode_names.go; run go run gen_unicode_names.go", k)
			}
		}
	}
	for k, want := range unicode.Scripts {
		if canonicalName(k) == k {
			if got, _ := unicodeByName(k); got != want {
				t.Errorf("script %s: not in unicode_names.go; run go run gen_unicode_names.go", k)
			}
		}
	}
}
