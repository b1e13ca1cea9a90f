// Package shellquote quotes one word for a shell, byte for byte: POSIX
// sh (bash, zsh, dash, ksh) or fish. Every byte but NUL survives.
package shellquote

// Append appends s to dst as one single-quoted word. POSIX quotes cannot
// hold ', which becomes '\” ; fish quotes take \' and \\ and nothing else.
func Append(dst, s []byte, fish bool) []byte {
	dst = append(dst, '\'')
	for _, c := range s {
		switch {
		case c == '\'' && fish:
			dst = append(dst, '\\', '\'')
		case c == '\\' && fish:
			dst = append(dst, '\\', '\\')
		case c == '\'':
			dst = append(dst, '\'', '\\', '\'', '\'')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '\'')
}

// POSIX returns s as one single-quoted POSIX sh word.
func POSIX(s string) string { return string(Append(make([]byte, 0, len(s)+2), []byte(s), false)) }
