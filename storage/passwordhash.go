package storage

import "fmt"

// FirebaseScryptHash is the stored form of a password hash exported by
// Firebase Auth: its modified scrypt needs the project's signer key, salt
// separator, rounds and memory cost besides the user's hash and salt, so
// all of them are folded into one self-describing string (every byte field
// base64, as Firebase prints it):
//
//	$firebase-scrypt$m=<mem_cost>,r=<rounds>$<salt>$<separator>$<signer key>$<hash>
//
// login/password verifies it and replaces it with argon2id at the user's
// first sign-in.
func FirebaseScryptHash(hash, salt, saltSeparator, signerKey string, rounds, memCost int) string {
	return fmt.Sprintf("$firebase-scrypt$m=%d,r=%d$%s$%s$%s$%s", memCost, rounds, salt, saltSeparator, signerKey, hash)
}
