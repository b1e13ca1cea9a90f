// Package vault stores secrets under paths like org/proj/STRIPE_KEY.
//
// A Store is the small interface every back-end implements: List, Get,
// Set and Delete, with metadata (created, updated, description). The
// embedded default is File: one file encrypted with filippo.io/age, to a
// scrypt passphrase or to the recipients of an age identity file (so age
// plugin identities such as YubiKey or TPM keys work). The stock age tool
// can always decrypt it:
//
//	age -d -o vault.json ~/.local/share/noxkey/vault.age
//
// On macOS with cgo, Keychain stores each secret as a generic password item.
//
// File writes are atomic and serialized: an exclusive flock on a lock file,
// a temporary file in the same directory, fsync, the previous version kept
// as vault.age.bak, rename, and fsync of the directory. A vault that cannot
// be read (wrong passphrase, corrupt, newer format, unsafe permissions) is
// reported with an error that says what to do, and is never overwritten.
//
// One command costs at most one passphrase derivation: File decrypts the age
// header once, keeps the file key for the life of the Store, and writes new
// versions under the same header and file key with a fresh payload nonce,
// which is how age itself derives a distinct payload key per file.
package vault
