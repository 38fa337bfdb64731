module notary-rs/mutants

go 1.23.0

require (
	github.com/notaryproject/notation-core-go v1.3.0
	github.com/notaryproject/tspclient-go v1.0.0
	golang.org/x/crypto v0.37.0
)
