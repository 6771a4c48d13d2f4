package wallet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// ErrBadSignature: the signature is malformed or was not made by the
// message's address.
var ErrBadSignature = errors.New("wallet: signature does not match")

var hexAddressRE = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// NormaliseEthereumAddress returns the EIP-55 checksum form. An all-lower or
// all-upper address is accepted as it carries no checksum; a mixed-case one
// must already be correctly checksummed (a typo check, as EIP-55 intends).
func NormaliseEthereumAddress(s string) (string, error) {
	if !hexAddressRE.MatchString(s) {
		return "", fmt.Errorf("wallet: %q is not an Ethereum address", s)
	}
	sum := common.HexToAddress(s).Hex()
	body := s[2:]
	if body != strings.ToLower(body) && body != strings.ToUpper(body) && s != sum {
		return "", fmt.Errorf("wallet: %q has a wrong EIP-55 checksum", s)
	}
	return sum, nil
}

// eip191Hash is the personal_sign digest:
// keccak256("\x19Ethereum Signed Message:\n" + len(message) + message).
func eip191Hash(message []byte) []byte {
	prefix := "\x19Ethereum Signed Message:\n" + strconv.Itoa(len(message))
	return crypto.Keccak256([]byte(prefix), message)
}

// decodeEthSignature parses a 65-byte r‖s‖v hex signature with v in {0,1}
// or {27,28} and returns it with v in {0,1} as go-ethereum expects.
func decodeEthSignature(s string) ([]byte, error) {
	raw, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(raw) != 65 {
		return nil, fmt.Errorf("%w: want 65 hex-encoded bytes", ErrBadSignature)
	}
	v := raw[64]
	if v >= 27 {
		v -= 27
	}
	r, sv := new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:64])
	// homestead=true refuses s above n/2, the malleable twin of a valid
	// signature (EIP-2).
	if v > 1 || !crypto.ValidateSignatureValues(v, r, sv, true) {
		return nil, fmt.Errorf("%w: invalid r, s or v (high s is refused)", ErrBadSignature)
	}
	out := append(bytes.Clone(raw[:64]), v)
	return out, nil
}

// verifyEthereum checks an EIP-191 personal_sign signature of message by
// address (EIP-55 form).
func verifyEthereum(message []byte, signature, address string) error {
	sig, err := decodeEthSignature(signature)
	if err != nil {
		return err
	}
	pub, err := crypto.SigToPub(eip191Hash(message), sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if crypto.PubkeyToAddress(*pub).Hex() != address {
		return fmt.Errorf("%w: signed by another address", ErrBadSignature)
	}
	return nil
}
