// Go's answers for the structure-aware mutants of tests/go_mutants.rs, one line per mutant
// NAME.der of a directory, sorted by name:
//
//	mutants x509 DIR                 x509.ParseCertificate: "NAME OK <digest of what was read>",
//	                                 "NAME ERR curve" (an EC point off its curve), "NAME ERR -"
//	mutants tst DIR MESSAGE ROOT     a timestamp token as notation-go checks one: tspclient-go
//	                                 ParseSignedToken, Info, Validate(MESSAGE), Verify (ROOT,
//	                                 at the token's time), notation-core-go
//	                                 ValidateTimestampingCertChain: "NAME OK <genTime
//	                                 accuracy>" or "NAME ERR -"
//	mutants ocsp DIR CERT ISSUER NOW an OCSP response as notation-core-go v1.3.0 reads one for
//	                                 CERT (x/crypto/ocsp ParseResponseForCert, nextUpdate at
//	                                 NOW, Unix seconds): "NAME OK good|revoked|unknown" or
//	                                 "NAME ERR -"
//	mutants crl DIR CERT ISSUER NOW SIGNED
//	                                 a base CRL as notation-core-go v1.3.0 checks CERT against
//	                                 it (its validateCRL at NOW and checkRevocation), with no
//	                                 signing time and with SIGNED (Unix seconds):
//	                                 "NAME OK <status>/<status with SIGNED>" or "NAME ERR -"
//	mutants policy DIR                an OCI trust policy document as notation v1.3.2 loads one
//	                                 (the first JSON value decoded into trustpolicy.Document,
//	                                 then Validate): "NAME OK <digest of what was read>" or
//	                                 "NAME ERR -"
//	mutants manifest DIR ENVELOPE     a signature manifest as notation v1.3.2 reads one from an
//	                                 OCI layout holding it, ENVELOPE and an empty config
//	                                 (registry.NewOCIRepository, FetchSignatureBlob; the layer's
//	                                 media type must then name an envelope format): "NAME OK
//	                                 <digest of the envelope and its media type>" or "NAME ERR -"
//	mutants cose|jws DIR MEDIATYPE DIGEST SIZE
//	                                 a signature envelope as notation-go v1.3.2's integrity step
//	                                 reads one: notation-core-go v1.3.0 signature.ParseEnvelope
//	                                 and Verify, then the payload content type check, the
//	                                 payload's reading and its targetArtifact compared with the
//	                                 artifact (MEDIATYPE, DIGEST, SIZE) as verifier.Verify does:
//	                                 "NAME OK <digest of what was read>" or "NAME ERR -"
//
// tests/go_mutants.rs says how to regenerate its expectation files with this program.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/notaryproject/notation-core-go/signature"
	_ "github.com/notaryproject/notation-core-go/signature/cose"
	_ "github.com/notaryproject/notation-core-go/signature/jws"
	nx509 "github.com/notaryproject/notation-core-go/x509"
	"github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/tspclient-go"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/crypto/ocsp"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: mutants MODE DIR [ARGS...] (the modes are in the comment at the top of main.go)")
		os.Exit(2)
	}
	names, err := filepath.Glob(filepath.Join(os.Args[2], "*.der"))
	must(err)
	sort.Strings(names)
	var check func([]byte) string
	switch os.Args[1] {
	case "x509":
		check = parseCertificate
	case "tst":
		message := readFile(os.Args[3])
		roots := x509.NewCertPool()
		roots.AddCert(readCertificate(os.Args[4]))
		check = func(der []byte) string { return verifyToken(der, message, roots) }
	case "ocsp":
		cert, issuer, now := readCertificate(os.Args[3]), readCertificate(os.Args[4]), unix(os.Args[5])
		check = func(der []byte) string { return checkOCSP(der, cert, issuer, now) }
	case "crl":
		cert, issuer, now := readCertificate(os.Args[3]), readCertificate(os.Args[4]), unix(os.Args[5])
		signed := unix(os.Args[6])
		check = func(der []byte) string { return checkCRL(der, cert, issuer, now, signed) }
	case "policy":
		check = readPolicy
	case "manifest":
		envelope := readFile(os.Args[3])
		check = func(b []byte) string { return fetchSignature(b, envelope) }
	case "cose", "jws":
		media := map[string]string{"cose": "application/cose", "jws": "application/jose+json"}[os.Args[1]]
		size, err := strconv.ParseInt(os.Args[5], 10, 64)
		must(err)
		artifact := ocispec.Descriptor{MediaType: os.Args[3], Digest: digest.Digest(os.Args[4]), Size: size}
		check = func(b []byte) string { return verifyEnvelope(media, b, artifact) }
	default:
		panic("unknown mode " + os.Args[1])
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "# %s %s, %d mutants (tests/interop-go/mutants)\n", os.Args[1], runtime.Version(), len(names))
	for _, n := range names {
		der := readFile(n)
		fmt.Fprintf(w, "%s %s\n", strings.TrimSuffix(filepath.Base(n), ".der"), check(der))
	}
}

// must stops the program on a set-up error: the answers would be meaningless.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

func readFile(path string) []byte {
	b, err := os.ReadFile(path)
	must(err)
	return b
}

func readCertificate(path string) *x509.Certificate {
	b := readFile(path)
	if block, _ := pem.Decode(b); block != nil {
		b = block.Bytes
	}
	c, err := x509.ParseCertificate(b)
	must(err)
	return c
}

func urls(v []string) string {
	out := make([]string, len(v))
	for i, u := range v {
		if utf8.ValidString(u) {
			out[i] = hex.EncodeToString([]byte(u))
		} else {
			out[i] = "-"
		}
	}
	return strings.Join(out, ",")
}

func parseCertificate(der []byte) string {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		if strings.Contains(err.Error(), "not on curve") {
			return "ERR curve"
		}
		return "ERR -"
	}
	bc := "none"
	if c.BasicConstraintsValid {
		pl := "none"
		if c.MaxPathLen > 0 || c.MaxPathLenZero {
			pl = fmt.Sprint(c.MaxPathLen)
		}
		bc = fmt.Sprintf("%v/%s", c.IsCA, pl)
	}
	read := fmt.Sprintf("bc=%s;ku=%d;eku=%d;ocsp=%s;crl=%s;serial=%x;nb=%d;na=%d;v=%d;subj=%s;iss=%s",
		bc, int(c.KeyUsage), len(c.ExtKeyUsage)+len(c.UnknownExtKeyUsage), urls(c.OCSPServer),
		urls(c.CRLDistributionPoints), c.SerialNumber.Bytes(), c.NotBefore.Unix(), c.NotAfter.Unix(),
		c.Version, hex.EncodeToString([]byte(c.Subject.String())), hex.EncodeToString([]byte(c.Issuer.String())))
	sum := sha256.Sum256([]byte(read))
	return "OK " + hex.EncodeToString(sum[:8])
}

func verifyToken(der, message []byte, roots *x509.CertPool) string {
	token, err := tspclient.ParseSignedToken(der)
	if err != nil {
		return "ERR -"
	}
	info, err := token.Info()
	if err != nil {
		return "ERR -"
	}
	ts, err := info.Validate(message)
	if err != nil {
		return "ERR -"
	}
	chain, err := token.Verify(context.Background(), x509.VerifyOptions{CurrentTime: ts.Value, Roots: roots})
	if err != nil {
		return "ERR -"
	}
	if err := nx509.ValidateTimestampingCertChain(chain); err != nil {
		return "ERR -"
	}
	return fmt.Sprintf("OK %d.%09d %d", ts.Value.Unix(), ts.Value.Nanosecond(), ts.Accuracy.Nanoseconds())
}

func unix(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	must(err)
	return time.Unix(n, 0)
}

var (
	oidInvalidityDate           = asn1.ObjectIdentifier{2, 5, 29, 24}
	oidIssuingDistributionPoint = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidDeltaCRLIndicator        = asn1.ObjectIdentifier{2, 5, 29, 27}
)

// checkOCSP follows notation-core-go v1.3.0's checkStatusFromServer after the download.
func checkOCSP(der []byte, cert, issuer *x509.Certificate, now time.Time) string {
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		return "ERR -"
	}
	if now.After(resp.NextUpdate) {
		return "ERR -"
	}
	switch resp.Status {
	case ocsp.Good:
		return "OK good"
	case ocsp.Revoked:
		return "OK revoked"
	default:
		return "OK unknown"
	}
}

// checkCRL follows notation-core-go v1.3.0's validateCRL and checkRevocation for a base CRL
// (those are internal to that module; the steps are the same, with NOW for time.Now).
func checkCRL(der []byte, cert, issuer *x509.Certificate, now, signed time.Time) string {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return "ERR -"
	}
	if crl.CheckSignatureFrom(issuer) != nil || crl.NextUpdate.IsZero() || now.After(crl.NextUpdate) {
		return "ERR -"
	}
	for _, ext := range crl.Extensions {
		if !ext.Id.Equal(oidIssuingDistributionPoint) && !ext.Id.Equal(oidDeltaCRLIndicator) && ext.Critical {
			return "ERR -"
		}
	}
	unsigned, err1 := crlStatus(crl, cert, time.Time{})
	withTime, err2 := crlStatus(crl, cert, signed)
	if err1 != nil || err2 != nil {
		return "ERR -"
	}
	return "OK " + unsigned + "/" + withTime
}

func crlStatus(crl *x509.RevocationList, cert *x509.Certificate, signingTime time.Time) (string, error) {
	var latestTemp *x509.RevocationListEntry
	for i := range crl.RevokedCertificateEntries {
		entry := &crl.RevokedCertificateEntries[i]
		if entry.SerialNumber.Cmp(cert.SerialNumber) != 0 {
			continue
		}
		var invalidity time.Time
		for _, ext := range entry.Extensions {
			switch {
			case ext.Id.Equal(oidInvalidityDate):
				rest, err := asn1.UnmarshalWithParams(ext.Value, &invalidity, "generalized")
				if err != nil {
					return "", err
				}
				if len(rest) > 0 {
					return "", fmt.Errorf("trailing data")
				}
			default:
				if ext.Critical {
					return "", fmt.Errorf("unsupported critical extension")
				}
			}
		}
		if !signingTime.IsZero() && !invalidity.IsZero() && signingTime.Before(invalidity) {
			return "good", nil
		}
		switch entry.ReasonCode {
		case 6, 8: // certificateHold, removeFromCRL
			if latestTemp == nil || latestTemp.RevocationTime.Before(entry.RevocationTime) {
				latestTemp = entry
			}
		default:
			return "revoked", nil
		}
	}
	if latestTemp != nil && latestTemp.ReasonCode == 6 {
		return "revoked", nil
	}
	return "good", nil
}

// verifyEnvelope is notation-go's integrity step (verifyIntegrity): ParseEnvelope, then
// Verify, which checks the signature with the leaf's key, the signer information and the
// certificate chain. What was read is digested: payload content type and bytes, signing
// scheme, signing time, expiry, extended attributes (key and criticality), signing agent,
// timestamp signature, chain length and algorithm.
func verifyEnvelope(mediaType string, b []byte, artifact ocispec.Descriptor) string {
	env, err := signature.ParseEnvelope(mediaType, b)
	if err != nil {
		return "ERR -"
	}
	content, err := env.Verify()
	if err != nil {
		return "ERR -"
	}
	// notation-go's verifyIntegrity then checks the payload's type (ValidatePayloadContentType),
	// and the artifact check reads the payload (DescriptorFromSignaturePayload).
	if content.Payload.ContentType != "application/vnd.cncf.notary.payload.v1+json" {
		return "ERR -"
	}
	var payload struct {
		TargetArtifact ocispec.Descriptor `json:"targetArtifact"`
	}
	if err := json.Unmarshal(content.Payload.Content, &payload); err != nil {
		return "ERR -"
	}
	ta := payload.TargetArtifact
	// verifier.Verify: the descriptor must be the artifact's (oras content.Equal).
	if ta.MediaType != artifact.MediaType || ta.Digest != artifact.Digest || ta.Size != artifact.Size {
		return "ERR -"
	}
	var annotations []string
	for k, v := range ta.Annotations {
		annotations = append(annotations, fmt.Sprintf("%x=%x", k, v))
	}
	sort.Strings(annotations)
	si := content.SignerInfo
	expiry := "-"
	if !si.SignedAttributes.Expiry.IsZero() {
		expiry = fmt.Sprint(si.SignedAttributes.Expiry.Unix())
	}
	var ext []string
	for _, a := range si.SignedAttributes.ExtendedAttributes {
		ext = append(ext, fmt.Sprintf("%v:%v", a.Key, a.Critical))
	}
	sort.Strings(ext)
	read := fmt.Sprintf("ta=%x|%x|%d|%s;ct=%s;payload=%x;scheme=%s;st=%d;exp=%s;ext=%s;agent=%x;tst=%x;certs=%d;alg=%d",
		ta.MediaType, string(ta.Digest), ta.Size, strings.Join(annotations, ","),
		content.Payload.ContentType, content.Payload.Content, si.SignedAttributes.SigningScheme,
		si.SignedAttributes.SigningTime.Unix(), expiry, strings.Join(ext, ","),
		[]byte(si.UnsignedAttributes.SigningAgent), si.UnsignedAttributes.TimestampSignature,
		len(si.CertificateChain), int(si.SignatureAlgorithm))
	sum := sha256.Sum256([]byte(read))
	return "OK " + hex.EncodeToString(sum[:8])
}

// readPolicy is getDocument (json.Decoder: the first value) and Document.Validate; what was
// read is each statement's name, scope count, the action of every validation, the timestamp
// option, trust stores and identities.
func readPolicy(b []byte) string {
	var doc trustpolicy.Document
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		return "ERR -"
	}
	if err := doc.Validate(); err != nil {
		return "ERR -"
	}
	read := "v=" + doc.Version
	for _, st := range doc.TrustPolicies {
		level, err := st.SignatureVerification.GetVerificationLevel()
		if err != nil {
			return "ERR -"
		}
		var actions []string
		for _, t := range []trustpolicy.ValidationType{trustpolicy.TypeIntegrity, trustpolicy.TypeAuthenticity,
			trustpolicy.TypeAuthenticTimestamp, trustpolicy.TypeExpiry, trustpolicy.TypeRevocation} {
			actions = append(actions, string(level.Enforcement[t]))
		}
		ts := string(st.SignatureVerification.VerifyTimestamp)
		if ts == "" {
			ts = string(trustpolicy.OptionAlways)
		}
		read += fmt.Sprintf(";name=%x;scopes=%d;actions=%s;ts=%s;stores=%x;ids=%x", st.Name,
			len(st.RegistryScopes), strings.Join(actions, ","), ts,
			strings.Join(st.TrustStores, ","), strings.Join(st.TrustedIdentities, "|"))
	}
	sum := sha256.Sum256([]byte(read))
	return "OK " + hex.EncodeToString(sum[:8])
}

// fetchSignature lays out an OCI layout holding the manifest, the envelope and "{}" (each
// under its digest) and fetches the signature through notation-go's repository, as notation
// verify --oci-layout does for each signature manifest it lists.
func fetchSignature(manifest, envelope []byte) string {
	dir, err := os.MkdirTemp("", "mutant-layout")
	must(err)
	defer os.RemoveAll(dir)
	blobs := filepath.Join(dir, "blobs", "sha256")
	must(os.MkdirAll(blobs, 0o755))
	for _, b := range [][]byte{manifest, envelope, []byte("{}")} {
		sum := sha256.Sum256(b)
		must(os.WriteFile(filepath.Join(blobs, hex.EncodeToString(sum[:])), b, 0o644))
	}
	must(os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"schemaVersion":2,"manifests":[]}`), 0o644))
	repo, err := registry.NewOCIRepository(dir, registry.RepositoryOptions{})
	must(err)
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(manifest), Size: int64(len(manifest))}
	blob, blobDesc, err := repo.FetchSignatureBlob(context.Background(), desc)
	if err != nil {
		return "ERR -"
	}
	if blobDesc.MediaType != "application/jose+json" && blobDesc.MediaType != "application/cose" {
		return "ERR -"
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%x|%s", sha256.Sum256(blob), blobDesc.MediaType)))
	return "OK " + hex.EncodeToString(sum[:8])
}
