// blobpeer: the Go side of notary-rs's blob-signature interop tests. notation v1.3.2 has no
// blob commands, so this small program signs and verifies blob signatures with the same
// libraries the notation CLI uses (notation-go's signer and verifier, notation-core-go's JWS and
// COSE envelopes), reading keys, trust store and policy from the shared notation config dir.
// The same source builds against every notation-go release since v1.0.0 (scripts/install-go-tools.sh:
// blobpeer-vX.Y.Z), so envelopes as each release writes and reads them meet notary's
// (tests/differential/releases.py); newsigner*.go holds the one call that changed.
//
//	blobpeer sign   -key K -cert C -format jws|cose -out SIG [-expiry D] [-m k=v ...] FILE
//	blobpeer verify -format jws|cose -sig SIG [-stores ca:interop,...] [-m k=v ...] FILE
package main

import (
	"context"
	"crypto"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/notaryproject/notation-core-go/signature"
	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/dir"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }
func (p pairs) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("%q is not key=value", v)
	}
	p[k] = val
	return nil
}

func mediaType(format string) string {
	if format == "cose" {
		return cose.MediaTypeEnvelope
	}
	return jws.MediaTypeEnvelope
}

// descriptor of the blob, hashed with the algorithm the key spec implies (as notation does).
func describe(file string, hash crypto.Hash) (ocispec.Descriptor, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var alg digest.Algorithm
	switch hash {
	case crypto.SHA256:
		alg = digest.SHA256
	case crypto.SHA384:
		alg = digest.SHA384
	case crypto.SHA512:
		alg = digest.SHA512
	default:
		return ocispec.Descriptor{}, fmt.Errorf("unsupported hash %v", hash)
	}
	return ocispec.Descriptor{MediaType: "application/octet-stream", Digest: alg.FromBytes(data), Size: int64(len(data))}, nil
}

func run() error {
	if len(os.Args) < 2 {
		return fmt.Errorf("usage: blobpeer sign|verify ...")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ContinueOnError)
	key := fs.String("key", "", "private key (PEM)")
	cert := fs.String("cert", "", "certificate chain (PEM)")
	format := fs.String("format", "jws", "jws or cose")
	out := fs.String("out", "", "signature file to write")
	sig := fs.String("sig", "", "signature file to verify")
	stores := fs.String("stores", "ca:interop", "trust stores the verification policy names, comma-separated")
	expiry := fs.Duration("expiry", 0, "signature expiry duration (0: none)")
	meta := pairs{}
	fs.Var(meta, "m", "user metadata key=value")
	if err := fs.Parse(os.Args[2:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("one FILE expected")
	}
	file := fs.Arg(0)
	ctx := context.Background()
	switch os.Args[1] {
	case "sign":
		s, err := newSigner(*key, *cert)
		if err != nil {
			return err
		}
		spec, err := signature.ExtractKeySpec(mustLeaf(*cert))
		if err != nil {
			return err
		}
		desc, err := describe(file, spec.SignatureAlgorithm().Hash())
		if err != nil {
			return err
		}
		desc.Annotations = meta
		if len(meta) == 0 {
			desc.Annotations = nil
		}
		envelope, _, err := s.Sign(ctx, desc, notation.SignerSignOptions{SignatureMediaType: mediaType(*format), SigningAgent: "blobpeer", ExpiryDuration: *expiry})
		if err != nil {
			return err
		}
		return os.WriteFile(*out, envelope, 0o600)
	case "verify":
		envelope, err := os.ReadFile(*sig)
		if err != nil {
			return err
		}
		store := truststore.NewX509TrustStore(dir.ConfigFS())
		policy := &trustpolicy.Document{
			Version: "1.0",
			TrustPolicies: []trustpolicy.TrustPolicy{{
				Name:                  "blobpeer",
				RegistryScopes:        []string{"*"},
				SignatureVerification: trustpolicy.SignatureVerification{VerificationLevel: "strict"},
				TrustStores:           strings.Split(*stores, ","),
				TrustedIdentities:     []string{"*"},
			}},
		}
		v, err := verifier.New(policy, store, nil)
		if err != nil {
			return err
		}
		parsed, err := signature.ParseEnvelope(mediaType(*format), envelope)
		if err != nil {
			return err
		}
		content, err := parsed.Content()
		if err != nil {
			return err
		}
		var payload struct {
			TargetArtifact ocispec.Descriptor `json:"targetArtifact"`
		}
		if err := json.Unmarshal(content.Payload.Content, &payload); err != nil {
			return err
		}
		hashes := map[digest.Algorithm]crypto.Hash{digest.SHA256: crypto.SHA256, digest.SHA384: crypto.SHA384, digest.SHA512: crypto.SHA512}
		hash, ok := hashes[payload.TargetArtifact.Digest.Algorithm()]
		if !ok {
			return fmt.Errorf("unsupported digest %s", payload.TargetArtifact.Digest)
		}
		desc, err := describe(file, hash)
		if err != nil {
			return err
		}
		if payload.TargetArtifact.Digest != desc.Digest || payload.TargetArtifact.Size != desc.Size {
			return fmt.Errorf("the signature is for %s (%d bytes), the file is %s (%d bytes)", payload.TargetArtifact.Digest, payload.TargetArtifact.Size, desc.Digest, desc.Size)
		}
		outcome, err := v.Verify(ctx, desc, envelope, notation.VerifierVerifyOptions{
			ArtifactReference:  "local/blob@" + desc.Digest.String(),
			SignatureMediaType: mediaType(*format),
		})
		if err != nil {
			return err
		}
		for k, want := range meta {
			if got, ok := payload.TargetArtifact.Annotations[k]; !ok || got != want {
				return fmt.Errorf("user metadata %s=%s is not in the signature", k, want)
			}
		}
		_ = outcome
		fmt.Println("blobpeer: signature verified")
		return nil
	}
	return fmt.Errorf("unknown command %q", os.Args[1])
}

func mustLeaf(certPath string) *x509Cert {
	return leafOf(certPath)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "blobpeer:", err)
		os.Exit(1)
	}
}
