package guard

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The forms real programs print a secret in, each made by running the
// program itself on secrets with awkward bytes. .ci/run installs the
// programs; without CI, a missing one skips its case.

var awkward = []Secret{
	{"acme/api/TOKEN", []byte("sk_live_51HqLyjWDarjtT1zdp7dc4eC39HqLyjWD")},
	{"acme/db/PASSWORD", []byte(`pa"ss'w$rd\&<>ä😀-Zq8xW3nK`)},
	{"acme/db/SHORT", []byte("Tr0ub4d!")},
}

// program runs script with bash, the secret in $S, and returns its output.
func program(t *testing.T, need, script string, s Secret) []byte {
	t.Helper()
	for _, p := range strings.Fields(need) {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (.ci/run installs it)", p)
			}
			t.Skipf("%s is not installed", p)
		}
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = []string{"S=" + string(s.Value), "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", need, err)
	}
	return out
}

// programCases: name (the program and how it was run), the programs it
// needs, and the script.
var programCases = []struct{ name, need, script string }{
	{"xxd", "xxd", `printf 'key=%s\n' "$S" | xxd`},
	{"xxd -p", "xxd", `printf 'key=%s\n' "$S" | xxd -p`},
	{"xxd -i", "xxd", `printf '%s' "$S" | xxd -i`},
	{"xxd -c 8", "xxd", `printf 'key: %s end' "$S" | xxd -c 8`},
	{"od -c", "od", `printf 'key=%s\n' "$S" | od -c`},
	{"od -An -tx1", "od", `printf 'key=%s\n' "$S" | od -An -tx1`},
	{"od -An -c", "od", `printf 'key=%s\n' "$S" | od -An -c`},
	{"od -An -to1", "od", `printf 'key=%s\n' "$S" | od -An -to1`},
	{"od -tx1", "od", `printf 'key=%s\n' "$S" | od -tx1`},
	{"hexdump -C", "hexdump", `printf 'key=%s\n' "$S" | hexdump -C`},
	{"hexdump (16-bit words, little-endian)", "hexdump", `printf 'key=%s\n' "$S" | hexdump`},
	{"od -x", "od", `printf 'key=%s\n' "$S" | od -x`},
	{"hexdump -x (words after four spaces)", "hexdump", `printf 'key=%s\n' "$S" | hexdump -x`},
	{"od -d (16-bit words in decimal)", "od", `printf 'key=%s\n' "$S" | od -d`},
	{"hexdump -d (16-bit words in decimal)", "hexdump", `printf 'key=%s\n' "$S" | hexdump -d`},
	{"od -An -tx2", "od", `printf 'key=%s\n' "$S" | od -An -tx2`},
	{"od -tx4", "od", `printf 'key=%s\n' "$S" | od -tx4`},
	{"od -An -tx8", "od", `printf 'key=%s\n' "$S" | od -An -tx8`},
	{"python bytes.hex(':')", "python3", `/usr/bin/python3 -c 'import os; print(("key=" + os.environ["S"]).encode().hex(":"))'`},
	{".NET BitConverter (dashes)", "python3", `/usr/bin/python3 -c 'import os; print("-".join("%02X" % b for b in ("key=" + os.environ["S"]).encode()))'`},
	{"python list(bytes)", "python3", `/usr/bin/python3 -c 'import os; print(list(("key=" + os.environ["S"]).encode()))'`},
	{"Go []byte with fmt (spaces)", "python3", `/usr/bin/python3 -c 'import os; print("[" + " ".join(str(b) for b in ("key=" + os.environ["S"]).encode()) + "]")'`},
	{"Java Arrays.toString (signed bytes)", "python3", `/usr/bin/python3 -c 'import os; print([b - 256 if b > 127 else b for b in ("key=" + os.environ["S"]).encode()])'`},
	{"node Uint8Array", "node", `node -e 'console.log(new Uint8Array(Buffer.from("key=" + process.env.S)))'`},
	{"node Buffer as JSON", "node", `node -e 'console.log(JSON.stringify(Buffer.from("key=" + process.env.S)))'`},
	{"colon hex over indented lines (openssl -text)", "python3", `/usr/bin/python3 -c 'import os; b = os.environ["S"].encode(); print("privateExponent:"); print(":\n".join("    " + ":".join("%02x" % c for c in b[i:i+15]) for i in range(0, len(b), 15)))'`},
	{"base64 of a blob", "base64 head", `{ head -c 100 /dev/zero | tr '\0' 'x'; printf '%s' "$S"; head -c 57 /dev/zero; } | base64`},
	{"base32", "base32", `printf '%s' "$S" | base32`},
	{"openssl base64", "openssl", `{ printf 'prefix-%s-suffix' "$S"; } | openssl base64`},
	{"iconv UTF-16LE", "iconv", `printf 'key=%s' "$S" | iconv -f UTF-8 -t UTF-16LE`},
	{"PowerShell -EncodedCommand (base64 of UTF-16LE)", "iconv base64", `printf '$env:K="%s"' "$S" | iconv -f UTF-8 -t UTF-16LE | base64 -w0`},
	{"iconv UTF-16BE", "iconv", `printf 'key=%s' "$S" | iconv -f UTF-8 -t UTF-16BE`},
	{"Java UTF-16 (big-endian after a BOM) in base64", "iconv base64", `{ printf '\xfe\xff'; printf 'key=%s' "$S" | iconv -f UTF-8 -t UTF-16BE; } | base64 -w0`},
	{"bash declare -p", "bash", `declare -x S; declare -p S`},
	{"bash export -p", "bash", `export -p | grep ' S='`},
	{"bash printf %q", "bash", `printf '%q\n' "$S"`},
	{"bash ${S@Q}", "bash", `echo "${S@Q}"`},
	{"sqlite3 .dump", "sqlite3", `sqlite3 :memory: "create table t(v); insert into t values('$(printf %s "$S" | sed "s/'/''/g")');" .dump`},
	{"python csv writer", "python3", `/usr/bin/python3 -c 'import csv,sys,os; csv.writer(sys.stdout).writerow(["id", os.environ["S"] + "\"x"])'`},
	{"python xml escape (Maven settings.xml)", "python3", `/usr/bin/python3 -c 'import os; from xml.sax.saxutils import escape; print("<password>"+escape(os.environ["S"], {"\"": "&quot;", "'"'"'": "&#39;"})+"</password>")'`},
	{"xmllint", "xmllint python3", `/usr/bin/python3 -c 'import os; from xml.sax.saxutils import quoteattr; print("<s p="+quoteattr(os.environ["S"])+"/>")' | xmllint -`},
	{"python repr", "python3", `/usr/bin/python3 -c 'import os; print(repr(os.environ["S"]), repr(os.environ["S"].encode()))'`},
	{"JSON with upper-case \\u escapes (.NET)", "python3", `/usr/bin/python3 -c 'import os,json,re; print(re.sub(r"\\\\u([0-9a-f]{4})", lambda m: "\\\\u"+m.group(1).upper(), json.dumps({"k": os.environ["S"]})))'`},
	{"JSON inside a JSON string", "python3", `/usr/bin/python3 -c 'import os,json; print(json.dumps({"body": json.dumps({"secret": os.environ["S"]})}))'`},
	{"PyYAML", "python3", `/usr/bin/python3 -c 'import os,yaml; print(yaml.dump({"k": os.environ["S"] + "\x07"}, allow_unicode=False))'`},
	{"SQL doubled quotes", "python3", `/usr/bin/python3 -c 'import os; print("INSERT INTO t VALUES (\x27" + os.environ["S"].replace("\x27", "\x27\x27") + "\x27);")'`},
	{"CSV doubled quotes", "python3", `/usr/bin/python3 -c 'import os; print("\"" + os.environ["S"].replace("\"", "\"\"") + "\",1")'`},
	{"docker-compose $$", "sed", `printf 'environment:\n  - K=%s\n' "$(printf %s "$S" | sed 's/\$/$$/g')"`},
	{".dockerconfigjson", "python3", `/usr/bin/python3 -c 'import os,json,base64; a=base64.b64encode(("user:"+os.environ["S"]).encode()).decode(); print(base64.b64encode(json.dumps({"auths":{"r.io":{"auth":a}}}).encode()).decode())'`},
	{".dockerconfigjson in env", "python3", `D=$(/usr/bin/python3 -c 'import os,json,base64; a=base64.b64encode(("user:"+os.environ["S"]).encode()).decode(); print(base64.b64encode(json.dumps({"auths":{"r.io":{"auth":a}}}).encode()).decode())') && env -i DOCKER_AUTH_CONFIG="$D" PATH=/usr/bin env`},
	{"percent-encoded twice (access log)", "python3", `/usr/bin/python3 -c 'import os; from urllib.parse import quote; print("GET /cb?next=" + quote(quote(os.environ["S"], safe=""), safe="") + " 200")'`},
	{"lower-case percent", "python3", `/usr/bin/python3 -c 'import os,re; from urllib.parse import quote; print(re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(os.environ["S"], safe="")))'`},
	{"encodeURI", "python3", `/usr/bin/python3 -c 'import os; from urllib.parse import quote; print(quote(os.environ["S"], safe=";,/?:@&=+$-_.!~*()#\x27"))'`},
	{"grep --color=always", "grep", `printf 'key=%s\n' "$S" | grep --color=always -E 'k|Z|T|s'`},
}

// TestProgramsOutputIsRedacted: for every program and every awkward
// secret, the redacted output holds no registered form of the secret, not
// the raw value, and names the secret in a placeholder.
func TestProgramsOutputIsRedacted(t *testing.T) {
	g := testGuard(t, awkward...)
	eachProgram(t, func(t *testing.T, _ string, s Secret, out []byte) {
		redactsAll(t, g, out, s, "alone")
	})
}

// eachProgram calls f, in a subtest for each program, with the program's
// output for each awkward secret.
func eachProgram(t *testing.T, f func(t *testing.T, program string, s Secret, out []byte)) {
	for _, c := range programCases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range awkward {
				f(t, c.name, s, program(t, c.need, c.script, s))
			}
		})
	}
}

// redactsAll fails t unless g's redaction of text names s in a
// placeholder and leaves neither its value nor any registered form;
// where says which text it was.
func redactsAll(t *testing.T, g *Guard, text []byte, s Secret, where string) {
	t.Helper()
	red, ms := g.Redact(text)
	if len(ms) == 0 || !bytes.Contains(red, []byte("[REDACTED:"+s.Name)) {
		t.Errorf("%s %s: not found in:\n%s", s.Name, where, hideAll(text))
		return
	}
	if bytes.Contains(red, s.Value) || len(g.Find(red)) > 0 {
		t.Errorf("%s %s: left after redaction:\n%s", s.Name, where, hideAll(red))
	}
}

// wrapped is s broken into lines of width bytes, sep between them.
func wrapped(s []byte, width int, sep string) []byte {
	var out []byte
	for i := 0; i < len(s); i += width {
		if i > 0 {
			out = append(out, sep...)
		}
		out = append(out, s[i:min(i+width, len(s))]...)
	}
	return out
}

// hideAll replaces the awkward secrets in text for a failure message.
func hideAll(b []byte) string {
	s := string(b)
	for _, x := range awkward {
		s = strings.ReplaceAll(s, string(x.Value), "<"+x.Name+">")
	}
	return s
}

// TestProgramsAtEveryColumn: each program's output, moved by 0 to 15 bytes
// (the decoders sample the text every 8 bytes, whatever its lines), after
// a short line; after a line of hex digits (a token), at a line's start and
// after other text on its line (a hex run that goes on over a line break
// does not hide the rest of that line); after base64 letters; with a line
// after it: redacted as it is alone. od -c's lines are known by the offset
// that starts them, or by their cells alone (-An), so after other text on
// its line it is not tried.
func TestProgramsAtEveryColumn(t *testing.T) {
	g := testGuard(t, awkward...)
	const hexLine = "token=000000000000000034ebf8e3d91b6784\n"
	eachProgram(t, func(t *testing.T, name string, s Secret, out []byte) {
		for col := range 16 {
			for _, prefix := range []string{
				strings.Repeat("a", col) + "\n",
				hexLine + strings.Repeat("a", col) + "\n",
				hexLine + "2026-11-28T18:25:44.492Z INFO GET id=" + strings.Repeat("b3c9", 4)[:col] + "  ",
				"x " + strings.Repeat("Zq8x", 4)[:col] + "\n",
			} {
				if (name == "od -c" || name == "od -An -c" || name == "od -An -to1") && !strings.HasSuffix(prefix, "\n") {
					continue
				}
				text := append(append([]byte(prefix), out...), "a line after it\n"...)
				redactsAll(t, g, text, s, fmt.Sprintf("after %q", hideAll([]byte(prefix))))
			}
		}
	})
}

// TestWordDumpsAtEveryByteOffset: in a dump of little-endian words
// (hexdump, od -x, od -tx4, od -tx8) a secret that starts anywhere inside
// a word is redacted with every word that holds one of its bytes, the
// words at its ends included (their bytes are printed the other way
// round, so a byte at a word's start is at the end of its text).
func TestWordDumpsAtEveryByteOffset(t *testing.T) {
	g := testGuard(t, awkward...)
	s := awkward[0]
	for _, c := range []struct {
		cmd     string
		size    int
		offsets bool
	}{{"hexdump", 2, true}, {"hexdump -x", 2, true}, {"od -x", 2, true}, {"od -tx4", 4, true}, {"od -An -tx8", 8, false},
		{"od -d", 2, true}, {"hexdump -d", 2, true}} {
		for off := range 8 {
			out := program(t, strings.Fields(c.cmd)[0], fmt.Sprintf(`{ head -c %d /dev/zero | tr '\0' 'x'; printf '%%s' "$S"; } | %s`, off, c.cmd), s)
			red := covered(out, g.Find(out))
			// The text span of each word, in the order of the bytes.
			word, pos := 0, 0
			for _, line := range strings.SplitAfter(string(out), "\n") {
				f := strings.Fields(line)
				if c.offsets && len(f) > 0 {
					f = f[1:] // the offset
				}
				at := pos
				for _, w := range f {
					i := strings.Index(line[at-pos:], w) + at
					first, last := word*c.size, word*c.size+c.size-1
					if last >= off && first < off+len(s.Value) && bytes.IndexByte(red[i:i+len(w)], 0) >= 0 {
						t.Errorf("%s, secret at byte %d: word %d of the dump not redacted (its text is not printed: it spells the secret)", c.cmd, off, word)
					}
					at, word = i+len(w), word+1
				}
				pos += len(line)
			}
		}
	}
}

// TestPaddedRunsAtEveryColumn: a secret's padded base64 and base32, on one
// line after any number of other characters (so the decoder's samples,
// every 8 bytes, fall anywhere in it), is redacted.
func TestPaddedRunsAtEveryColumn(t *testing.T) {
	secs := append([]Secret{{"acme/x/NINE", []byte("Tr0ub4d!9")}, {"acme/x/TEN", []byte("Tr0ub4d!10")}}, awkward...)
	g := testGuard(t, secs...)
	for _, s := range secs {
		for _, enc := range []string{base64.StdEncoding.EncodeToString(s.Value), base32.StdEncoding.EncodeToString(s.Value)} {
			for col := range 16 {
				text := []byte("id=" + strings.Repeat("b3c9", 4)[:col] + "  " + enc + "\n")
				if red, _ := g.Redact(text); bytes.Contains(red, []byte(enc)) || !bytes.Contains(red, []byte("[REDACTED:"+s.Name)) {
					t.Errorf("%s at column %d: not redacted", s.Name, col)
				}
			}
		}
	}
}

// TestProgramsOnCleanTextChangeNothing: the same programs on text without
// secrets come out of the guard byte for byte as they went in.
func TestProgramsOnCleanTextChangeNothing(t *testing.T) {
	g := testGuard(t, awkward...)
	for _, c := range programCases {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range []string{"hello world, nothing secret here", "sk_test_notInTheVault0123456789", `q"u'o$t\e&<>ö✓ ` + rand.Text()} {
				out := program(t, c.need, c.script, Secret{Value: []byte(v)})
				if red, ms := g.Redact(out); len(ms) > 0 || !bytes.Equal(red, out) {
					t.Errorf("clean text redacted (%v):\n%s", ms, out)
				}
			}
		})
	}
}

// TestWrappedBase64AtEveryColumnAndWidth: a secret inside a blob, base64
// encoded and broken into lines of every width from 16 to 128, with the
// secret's encoding starting at every column of a line, is found, and the
// span redacted covers every character of its encoding.
func TestWrappedBase64AtEveryColumnAndWidth(t *testing.T) {
	g := testGuard(t, awkward[0])
	secret := awkward[0].Value
	misses := 0
	for w := 16; w <= 128; w++ {
		for k := 0; k < 3*w/4+3; k++ {
			blob := append(append(bytes.Repeat([]byte{0x9c}, k), secret...), bytes.Repeat([]byte{0x5a}, 20)...)
			enc := []byte(base64.StdEncoding.EncodeToString(blob))
			text := append(append([]byte("data:\n"), wrapped(enc, w, "\n")...), '\n')
			// The characters that encode the secret: from its first
			// byte's group to its last byte's.
			first, last := k*4/3, ((k+len(secret))*4+2)/3
			ms := g.Find(text)
			covered := func(c int) bool {
				at := 6 + c + c/w // the character's offset in text
				for _, m := range ms {
					if m.Start <= at && at < m.End {
						return true
					}
				}
				return false
			}
			if len(ms) == 0 || !covered(first+1) || !covered(last-2) {
				misses++
				if misses < 5 {
					t.Errorf("width %d, secret at byte %d: %v", w, k, ms)
				}
			}
		}
	}
	if misses > 0 {
		t.Fatalf("%d misses", misses)
	}
}

// TestWrappedBase64CutAnywhere: a stream's window can start inside a
// wrapped base64 block, at any character of its first line; a secret
// broken over a later line break, at any column, is still found.
func TestWrappedBase64CutAnywhere(t *testing.T) {
	g := testGuard(t, awkward[0])
	secret := awkward[0].Value
	misses := 0
	for _, w := range []int{64, 76} {
		for k := 57; k < 57+3*w/4+3; k++ {
			blob := append(append(bytes.Repeat([]byte{0x9c}, k), secret...), bytes.Repeat([]byte{0x5a}, 40)...)
			enc := []byte(base64.StdEncoding.EncodeToString(blob))
			text := append(wrapped(enc, w, "\n"), '\n')
			for cut := 1; cut < 8; cut++ {
				if ms := g.Find(text[cut:]); len(ms) == 0 {
					misses++
				}
			}
		}
	}
	if misses > 0 {
		t.Fatalf("%d misses", misses)
	}
}

// TestBinarySecretInBase32: a secret that is not text (a raw key), in
// base32 on one line, is found: the index holds no base32 form of it.
func TestBinarySecretInBase32(t *testing.T) {
	secret := []byte{0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0xfe, 0x99, 0x88, 0x77, 0x10, 0x20, 0x30, 0x40, 0xff, 0xee}
	g := testGuard(t, Secret{"x/BIN", secret})
	text := []byte("key: " + base32.StdEncoding.EncodeToString(secret) + "\n")
	if ms := g.Find(text); len(ms) == 0 {
		t.Fatal("a binary secret in base32 was not found")
	}
}

// TestUTF16AfterUTF16: iconv's UTF-16 of a secret twice, in either byte
// order, with ASCII text of odd and even length between (and none), is
// found both times: the first run ends where the text begins, not at the
// next NUL, which would read the second run out of step.
func TestUTF16AfterUTF16(t *testing.T) {
	g := testGuard(t, awkward...)
	for _, order := range []string{"UTF-16LE", "UTF-16BE"} {
		for _, s := range awkward {
			out := program(t, "iconv", `printf 'key=%s' "$S" | iconv -f UTF-8 -t `+order, s)
			for _, between := range []string{"", "x", "\nlog line of text\n", "odd text"} {
				text := append(append(append([]byte("before\n"), out...), between...), out...)
				red, _ := g.Redact(text)
				if n := bytes.Count(red, []byte("[REDACTED:"+s.Name)); n != 2 {
					t.Errorf("%s in %s with %q between: %d placeholders, want 2", s.Name, order, between, n)
				}
			}
		}
	}
}

// TestSecretInWrappedBinaryBase64: a secret inside random binary data,
// base64 encoded and wrapped as base64 and openssl wrap it, is found at
// every offset in the data (the joined-characters view), and the
// redacted span covers every character that encodes one of its bytes.
func TestSecretInWrappedBinaryBase64(t *testing.T) {
	g := testGuard(t, awkward...)
	r := mrand.New(mrand.NewPCG(7, 8))
	for _, s := range awkward {
		for _, width := range []int{64, 76} {
			for off := range 200 {
				data := make([]byte, 600)
				for i := range data {
					data[i] = byte(r.Uint32())
				}
				copy(data[off:], s.Value)
				text := append(wrapped([]byte(base64.StdEncoding.EncodeToString(data)), width, "\n"), '\n')
				red, ms := g.Redact(text)
				if !bytes.Contains(red, []byte("[REDACTED:"+s.Name)) {
					t.Fatalf("%s at %d, width %d: not found", s.Name, off, width)
				}
				// Characters 4k..4k+3 encode bytes 3k..3k+2: every one that
				// encodes a byte of the secret is inside a match.
				for b := off; b < off+len(s.Value); b++ {
					c := b / 3 * 4
					pos := c + c/width // one '\n' per full line before it
					covered := false
					for _, m := range ms {
						covered = covered || m.Start <= pos && pos < m.End
					}
					if !covered && b > off+2 && b < off+len(s.Value)-3 {
						t.Fatalf("%s at %d, width %d: character %d (byte %d) left", s.Name, off, width, pos, b)
					}
				}
			}
		}
	}
}

// TestDecodersWorkGrowsLinearly: each program's output of four times the
// data costs the decoders about four times the work (the bytes of the
// views they decode, summed over all of them), not sixteen: a decoder
// that read a run again from each of its lines was quadratic, and a
// command's long output would have stalled the filter.
func TestDecodersWorkGrowsLinearly(t *testing.T) {
	ix := mustBuild(t, awkward...)
	minRun := ix.minDecodeRun()
	work := func(text []byte) int {
		var s decodeScratch
		v := &s.views[0]
		n := 0
		found := func(v *view) { n += len(v.b) }
		for _, r := range escapeRegions(text, ix.maxLen) {
			v.reset()
			unescapeView(v, text, r[0], r[1], true)
			n += len(v.b)
		}
		eachHexDump(text, 2*minRun, v, found)
		eachBaseRun(text, minRun, v, &s.runs[0], found)
		eachUTF16(text, minRun, v, found)
		eachCharDump(text, minRun, v, found)
		return n
	}
	data := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz0123456789 _-=\n\"'\\$&<>\xc3\xa4"[(i*7+i/13)%47]
		}
		return string(b)
	}
	small, large := data(16<<10), data(64<<10)
	for _, c := range []struct{ need, cmd string }{
		{"xxd", "xxd"}, {"xxd", "xxd -p"}, {"xxd", "xxd -i"}, {"od", "od -c"}, {"od", "od -An -to1"}, {"od", "od -An -tx1"},
		{"hexdump", "hexdump -C"}, {"hexdump", "hexdump"}, {"hexdump", "hexdump -x"}, {"od", "od -x"}, {"od", "od -tx4"},
		{"od", "od -d"}, {"hexdump", "hexdump -d"}, {"od", "od -tu1"}, {"base64", "base64"}, {"base32", "base32"},
		{"iconv", "iconv -f UTF-8 -t UTF-16LE"}, {"iconv", "iconv -f UTF-8 -t UTF-16BE"},
		{"python3", `/usr/bin/python3 -c 'import sys; print(list(sys.stdin.buffer.read()))'`},
		{"python3", `/usr/bin/python3 -c 'import sys; print(repr(sys.stdin.buffer.read()))'`},
		{"python3", `/usr/bin/python3 -c 'import sys; print(sys.stdin.buffer.read().hex(":"))'`},
		{"sed", "sed -n l"},
	} {
		var w [2]int
		for k, d := range []string{small, large} {
			out := program(t, c.need, `printf '%s' "$S" | `+c.cmd, Secret{Value: []byte(d)})
			w[k] = work(out)
		}
		if w[1] > 6*w[0]+64<<10 {
			t.Errorf("%s: the decoders' work went from %d bytes to %d for four times the data", c.cmd, w[0], w[1])
		}
	}
}
