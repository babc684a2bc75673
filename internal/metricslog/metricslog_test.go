package metricslog

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	line := func(fields ...string) string { return strings.Join(fields, "\t") }
	for _, tt := range []struct {
		name, line string
		want       Entry
		err        bool
	}{
		{"a cache hit under a key", line("pets/prod/GET/pets", "200", "-", "1532", "-", "120", "105", "Hit", "-", "gold", "k1"),
			Entry{Route: "pets/prod/GET/pets", Status: 200, Latency: 1532 * time.Microsecond, Bytes: 225, Cache: "Hit", UsagePlanID: "gold", APIKeyID: "k1"}, false},
		{"an integration's 5xx", line("pets/prod/POST/pets", "502", "UF,URX", "30000", "29500", "110", "90", "-", "-", "-", "-"),
			Entry{Route: "pets/prod/POST/pets", Status: 502, Latency: 30 * time.Millisecond, IntegrationLatency: 29500 * time.Microsecond, Integrated: true, Bytes: 200}, false},
		{"throttled by Envoy's rate-limit filter", line("pets/prod/GET/open", "429", "RL", "900", "-", "100", "94", "-", "-", "-", "-"),
			Entry{Route: "pets/prod/GET/open", Status: 429, RateLimited: true, Latency: 900 * time.Microsecond, Bytes: 194}, false},
		{"the rate-limit service failed: not throttled", line("r", "200", "RLSE", "1", "-", "0", "0", "-", "-", "-", "-"),
			Entry{Route: "r", Status: 200, Latency: time.Microsecond}, false},
		{"refused by the key check", line("pets/prod/GET/pets", "429", "UAEX", "700", "-", "100", "95", "-", "QUOTA_EXCEEDED", "-", "-"),
			Entry{Route: "pets/prod/GET/pets", Status: 429, Latency: 700 * time.Microsecond, Bytes: 195, GatewayResponse: "QUOTA_EXCEEDED"}, false},
		{"a path of no stage", line("api_pets_unmatched", "403", "-", "300", "-", "90", "112", "-", "-", "-", "-"),
			Entry{Route: "api_pets_unmatched", Status: 403, Latency: 300 * time.Microsecond, Bytes: 202}, false},
		{"no route, no response", line("-", "0", "DC", "-", "-", "0", "0", "-", "-", "-", "-"), Entry{}, false},
		{"a field short", line("r", "200", "-", "1", "-", "0", "0", "-", "-", "-"), Entry{}, true},
		{"a field more", line("r", "200", "-", "1", "-", "0", "0", "-", "-", "-", "-", "x"), Entry{}, true},
		{"a code that is no number", line("r", "ok", "-", "1", "-", "0", "0", "-", "-", "-", "-"), Entry{}, true},
		{"a negative count", line("r", "200", "-", "1", "-", "-5", "0", "-", "-", "-", "-"), Entry{}, true},
		{"empty", "", Entry{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got Entry
			err := Parse(tt.line, &got)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("Parse(%q) = %+v, %v\nwant %+v, error %v", tt.line, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestFormatHasEveryField(t *testing.T) {
	f := Format()
	if n := strings.Count(f, separator) + 1; n != fieldCount {
		t.Errorf("Format() has %d fields, want %d: %q", n, fieldCount, f)
	}
	for i, op := range fields {
		if !strings.HasPrefix(op, "%") || !strings.HasSuffix(op, "%") {
			t.Errorf("field %d is %q, want one of Envoy's command operators", i, op)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("pets/prod/GET/pets\t200\t-\t1532\t-\t120\t105\tHit\t-\tgold\tk1")
	f.Add("-\t0\tDC\t-\t-\t0\t0\t-\t-\t-\t-")
	f.Fuzz(func(t *testing.T, line string) {
		var e Entry
		if Parse(line, &e) != nil {
			return
		}
		if e.Status < 0 || e.Latency < 0 || e.IntegrationLatency < 0 || e.Bytes < 0 {
			t.Errorf("Parse(%q) = %+v: a negative figure", line, e)
		}
		if strings.Count(line, separator) != fieldCount-1 {
			t.Errorf("Parse(%q) accepted %d fields", line, strings.Count(line, separator)+1)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	line := "pets/prod/GET/pets\t200\t-\t1532\t840\t120\t105\tMiss\t-\tgold\tk1"
	var e Entry
	b.ReportAllocs()
	for b.Loop() {
		if err := Parse(line, &e); err != nil {
			b.Fatal(err)
		}
	}
}
