package guard

// SWAR: eight bytes tested at once in a 64-bit word, where a loop the
// compiler does not vectorise would test them one by one.
const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// zeroBytes flags (the high bit) the bytes of z that may be zero: the
// lowest flag is always a true one; a flag above a zero byte may be false.
func zeroBytes(z uint64) uint64 { return (z - swarOnes) &^ z & swarHighs }

// newlineFlags is zeroBytes of x with each '\n' made zero.
func newlineFlags(x uint64) uint64 { return zeroBytes(x ^ swarOnes*'\n') }
