//go:build notation_v1_0

package main

import (
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/signer"
)

// newSigner: notation-go v1.0.x and v1.1.x (build tag notation_v1_0) had only this name.
func newSigner(key, cert string) (notation.Signer, error) {
	return signer.NewFromFiles(key, cert)
}
