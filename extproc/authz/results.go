package authz

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
)

// Results keeps authorizer answers by authorizer and identity for their TTL, so that one caller's requests cost
// one function call per TTL, as on API Gateway. Keys start with the authorizer's id, apiId/stage/name/.
type Results interface {
	Get(ctx context.Context, key string) (*lambdaauth.Output, bool)
	// Set keeps out, parsed from payload (the function's answer), for ttl.
	Set(ctx context.Context, key string, payload []byte, out *lambdaauth.Output, ttl time.Duration)
	// Flush forgets every answer whose key starts with prefix: FlushStageAuthorizersCache's apiId/stage/.
	Flush(ctx context.Context, prefix string) error
}

// maxMemoryResults bounds the in-memory cache: past it, expired answers go first, then arbitrary ones (a cache
// miss only costs a function call).
const maxMemoryResults = 100_000

// MemoryResults is the one-node cache.
type MemoryResults struct {
	mu      sync.Mutex
	entries map[string]memoryResult
	now     func() time.Time
}

type memoryResult struct {
	out     *lambdaauth.Output
	expires time.Time
}

// NewMemoryResults returns an empty cache.
func NewMemoryResults() *MemoryResults {
	return &MemoryResults{entries: map[string]memoryResult{}, now: time.Now}
}

func (m *MemoryResults) Get(_ context.Context, key string) (*lambdaauth.Output, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || !m.now().Before(e.expires) {
		return nil, false
	}
	return e.out, true
}

func (m *MemoryResults) Set(_ context.Context, key string, _ []byte, out *lambdaauth.Output, ttl time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if len(m.entries) >= maxMemoryResults {
		for k, e := range m.entries {
			if !now.Before(e.expires) {
				delete(m.entries, k)
			}
		}
		for k := range m.entries {
			if len(m.entries) < maxMemoryResults {
				break
			}
			delete(m.entries, k)
		}
	}
	m.entries[key] = memoryResult{out: out, expires: now.Add(ttl)}
}

func (m *MemoryResults) Flush(_ context.Context, prefix string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.entries {
		if strings.HasPrefix(k, prefix) {
			delete(m.entries, k)
		}
	}
	return nil
}
