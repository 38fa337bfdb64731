// Generates cases.json: random certificate paths carrying policy extensions, each with the
// outcome of Go's x509.Verify (policy validation with no policy asked for, as tspclient-go
// runs it). Run with the Go notation is built with (1.26.8 here):
//
//	cd crates/notary-x509/testdata/policy && go run gen.go > cases.json
//
// Each case lists, leaf first and the trust anchor last, the extension values (hex DER, ""
// for absent) of certificatePolicies, policyMappings, policyConstraints and inhibitAnyPolicy,
// and whether Go accepted the path. tests/policy_graph.rs puts the same values on its fixture
// certificates and compares notary's answer.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	mrand "math/rand"
	"os"
	"strings"
	"time"
)

var (
	oidCP  = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidPM  = asn1.ObjectIdentifier{2, 5, 29, 33}
	oidPC  = asn1.ObjectIdentifier{2, 5, 29, 36}
	oidIAP = asn1.ObjectIdentifier{2, 5, 29, 54}
	// Three private policies and anyPolicy.
	policies = []asn1.ObjectIdentifier{
		{1, 3, 6, 1, 4, 1, 99999, 1},
		{1, 3, 6, 1, 4, 1, 99999, 2},
		{1, 3, 6, 1, 4, 1, 99999, 3},
		{2, 5, 29, 32, 0},
	}
)

type exts struct{ cp, pm, pc, iap []byte }

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func pick(r *mrand.Rand) []asn1.ObjectIdentifier {
	var out []asn1.ObjectIdentifier
	for _, p := range policies {
		if r.Intn(3) == 0 {
			out = append(out, p)
		}
	}
	return out
}

func random(r *mrand.Rand, ca bool) exts {
	var e exts
	if r.Intn(5) != 0 {
		type info struct{ ID asn1.ObjectIdentifier }
		var list []info
		for _, p := range pick(r) {
			list = append(list, info{p})
		}
		if len(list) > 0 {
			e.cp = must(asn1.Marshal(list))
		}
	}
	if ca && r.Intn(3) == 0 {
		type mapping struct{ Issuer, Subject asn1.ObjectIdentifier }
		var list []mapping
		for i := 0; i <= r.Intn(2); i++ {
			list = append(list, mapping{policies[r.Intn(4)], policies[r.Intn(4)]})
		}
		e.pm = must(asn1.Marshal(list))
	}
	if r.Intn(2) == 0 {
		var body []byte
		if r.Intn(4) != 0 {
			body = append(body, 0x80, 0x01, byte(r.Intn(3)))
		}
		if r.Intn(3) == 0 {
			body = append(body, 0x81, 0x01, byte(r.Intn(2)))
		}
		if len(body) > 0 {
			e.pc = append([]byte{0x30, byte(len(body))}, body...)
		}
	}
	if r.Intn(4) == 0 {
		e.iap = must(asn1.Marshal(r.Intn(2)))
	}
	return e
}

func (e exts) list() []pkix.Extension {
	var out []pkix.Extension
	for _, x := range []struct {
		id asn1.ObjectIdentifier
		v  []byte
	}{{oidCP, e.cp}, {oidPM, e.pm}, {oidPC, e.pc}, {oidIAP, e.iap}} {
		if x.v != nil {
			out = append(out, pkix.Extension{Id: x.id, Value: x.v})
		}
	}
	return out
}

func main() {
	r := mrand.New(mrand.NewSource(20261206))
	now := time.Now()
	type result struct {
		Certs [][4]string `json:"certs"`
		Valid bool        `json:"valid"`
	}
	var out []result
	for n := 0; n < 300; n++ {
		depth := 1 + r.Intn(3) // intermediates
		var (
			parent    *x509.Certificate
			parentKey *ecdsa.PrivateKey
			chain     []*x509.Certificate
			specs     []exts
		)
		inters := x509.NewCertPool()
		roots := x509.NewCertPool()
		for i := 0; i <= depth+1; i++ {
			key := must2(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
			leaf := i == depth+1
			e := random(r, !leaf)
			tmpl := &x509.Certificate{
				SerialNumber:          big.NewInt(int64(i + 1)),
				Subject:               pkix.Name{CommonName: fmt.Sprintf("case %d cert %d", n, i)},
				NotBefore:             now.Add(-time.Hour),
				NotAfter:              now.Add(time.Hour),
				BasicConstraintsValid: true,
				IsCA:                  !leaf,
				KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
				ExtraExtensions:       e.list(),
			}
			signer, signerKey := tmpl, key
			if parent != nil {
				signer, signerKey = parent, parentKey
			}
			der := must(x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey))
			cert := must2(x509.ParseCertificate(der))
			switch {
			case i == 0:
				roots.AddCert(cert)
			case !leaf:
				inters.AddCert(cert)
			}
			chain = append([]*x509.Certificate{cert}, chain...)
			specs = append([]exts{e}, specs...)
			parent, parentKey = cert, key
		}
		_, err := chain[0].Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inters,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
			CurrentTime:   now,
		})
		if err != nil && !strings.Contains(err.Error(), "invalid policies") {
			panic(err)
		}
		res := result{Valid: err == nil}
		for _, e := range specs {
			res.Certs = append(res.Certs, [4]string{
				hex.EncodeToString(e.cp), hex.EncodeToString(e.pm),
				hex.EncodeToString(e.pc), hex.EncodeToString(e.iap),
			})
		}
		out = append(out, res)
	}
	os.Stdout.WriteString("[\n")
	for i, res := range out {
		b := must(json.Marshal(res))
		os.Stdout.Write(b)
		if i+1 < len(out) {
			os.Stdout.WriteString(",")
		}
		os.Stdout.WriteString("\n")
	}
	os.Stdout.WriteString("]\n")
}

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
