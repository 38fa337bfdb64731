//go:build !notation_v1_0

package main

import (
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/signer"
)

// newSigner: notation-go v1.2.0 and later name the file-based local signer this way.
func newSigner(key, cert string) (notation.Signer, error) {
	return signer.NewGenericSignerFromFiles(key, cert)
}
