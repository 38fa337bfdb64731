package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
)

type x509Cert = x509.Certificate

// leafOf reads the first certificate of a PEM chain (nil if unreadable; the signer reports it).
func leafOf(path string) *x509.Certificate {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	return c
}
