package authz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
)

// awsSigner signs authorizer invocations to AWS's Lambda endpoint with SigV4, with credentials from the standard
// AWS chain (environment, shared files, the instance's or task's role), as Envoy signs Lambda proxy calls. The
// chain is read on first use: a gateway whose functions all run elsewhere never probes for credentials.
type awsSigner struct {
	once   sync.Once
	creds  aws.CredentialsProvider
	err    error
	signer *v4.Signer
}

func (s *awsSigner) sign(ctx context.Context, req *http.Request, body []byte, region string) error {
	s.once.Do(func() {
		var cfg aws.Config
		if cfg, s.err = config.LoadDefaultConfig(ctx); s.err == nil {
			s.creds, s.signer = cfg.Credentials, v4.NewSigner()
		}
	})
	if s.err != nil {
		return fmt.Errorf("AWS credentials: %w", s.err)
	}
	if s.creds == nil {
		return fmt.Errorf("AWS credentials: none found in the standard chain")
	}
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	return s.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", region, time.Now())
}
