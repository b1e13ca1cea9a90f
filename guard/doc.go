// Package guard finds vault secrets, in every common encoding, in text
// that is about to reach an AI model, and redacts exactly those spans.
//
// Build turns the vault's secrets into an Index: for each secret and each
// Form it can appear in (raw, base64 at every byte alignment, hex,
// percent-, JSON- and shell-escaped, and line-wrapped raw or base64), the
// index keeps only keyed hashes: a blocked Bloom filter of the cheap hash of
// each fingerprint window, a keyed AES-PRF of each window, and an HMAC-SHA256
// and length of the whole form. It never holds a value, a window of one, or
// anything that reads back as plaintext; noxkey-hook needs only this file.
//
// Scan samples the text every S bytes: every form is at least W+S-1 bytes
// long and its windows at offsets 0..S-1 are registered, so any occurrence
// covers a sampled position whose W-byte window is registered. A filter
// probe rejects almost every position; the rare survivors are checked
// against the window PRF and then verified exactly by HMAC over the whole
// candidate span. Nothing is redacted on a prefix match.
//
// Rules adds gitleaks-format pattern rules for secrets that are not in the
// vault; Filter streams text through both.
package guard
