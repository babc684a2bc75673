package e2e

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type accessLogSettings struct {
	Format      string `yaml:"format"`
	Destination string `yaml:"destination"`
}

// AWS's access log presets, as the developer guide gives them.
const (
	clfPreset  = `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId`
	jsonPreset = `{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`
	xmlPreset  = `<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>`
	csvPreset  = `$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId`
)

// TestAccessLogs serves one API on four stages, each logging in one of AWS's presets (CLF to stdout, JSON, XML
// and CSV to files), sends each a request with an API key, and reads the lines Envoy wrote: each renders as the
// preset says, with the request's id and the method's resource, and none holds the key.
func TestAccessLogs(t *testing.T) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", APIStages: []planAPIStage{{APIID: "keyed", Stage: "clf"}, {APIID: "keyed", Stage: "json"}, {APIID: "keyed", Stage: "xml"}, {APIID: "keyed", Stage: "csv"}}, Keys: []string{"k1"}}}
	dir := t.TempDir()
	stage := func(name, format, destination string) stageConfig {
		return stageConfig{StageName: name, Variables: map[string]string{"backend": backend.addr}, AccessLogSettings: &accessLogSettings{Format: format, Destination: destination}}
	}
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{
		stage("clf", clfPreset, "stdout"),
		stage("json", jsonPreset, filepath.Join(dir, "json.log")),
		stage("xml", xmlPreset, filepath.Join(dir, "xml.log")),
		stage("csv", csvPreset, filepath.Join(dir, "csv.log")),
	}}}
	gw := startGateway(t, cfg, map[string]string{"keyed.yaml": "apikeys/keyed.yaml"})
	ids := map[string]string{}
	for _, s := range []string{"clf", "json", "xml", "csv"} {
		r := send(t, call{method: "GET", url: gw.url("/" + s + "/pets"), host: "keyed." + domain, header: http.Header{"X-Api-Key": {aliceKey}}})
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", s, r.status, r.body)
		}
		ids[s] = r.header.Get("x-amzn-RequestId")
	}
	// Envoy flushes access log files every second under Tollgate.
	read := func(file string) string {
		var text string
		for deadline := time.Now().Add(5 * time.Second); text == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			b, _ := os.ReadFile(file)
			text = strings.TrimSpace(string(b))
		}
		return text
	}
	var clf string
	for deadline := time.Now().Add(5 * time.Second); clf == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, line := range strings.Split(gw.out.String(), "\n") {
			if strings.Contains(line, ids["clf"]) {
				clf = line
			}
		}
	}
	lines := map[string]string{"clf": clf, "json": read(filepath.Join(dir, "json.log")), "xml": read(filepath.Join(dir, "xml.log")), "csv": read(filepath.Join(dir, "csv.log"))}
	for s, line := range lines {
		if strings.Contains(line, aliceKey) {
			t.Errorf("%s: the API key's value is in the log: %s", s, line)
		}
		if strings.Count(line, "\n") != 0 || !strings.Contains(line, ids[s]) {
			t.Errorf("%s: want one line with the request id %s, got %q", s, ids[s], line)
		}
	}
	clfWant := `127.0.0.1 - - [`
	if !strings.HasPrefix(clf, clfWant) || !strings.Contains(clf, `] "GET /pets HTTP/1.1" 200 `) || !strings.HasSuffix(clf, ids["clf"]+" "+ids["clf"][:16]) {
		t.Errorf("CLF: %q", clf)
	}
	if _, err := time.Parse("[02/Jan/2006:15:04:05 -0700]", clf[strings.Index(clf, "["):strings.Index(clf, "]")+1]); err != nil {
		t.Errorf("CLF's requestTime: %v", err)
	}
	var j map[string]string
	if err := json.Unmarshal([]byte(lines["json"]), &j); err != nil {
		t.Errorf("JSON preset: %v: %s", err, lines["json"])
	} else if j["requestId"] != ids["json"] || j["extendedRequestId"] != ids["json"][:16] || j["ip"] != "127.0.0.1" || j["caller"] != "-" ||
		j["httpMethod"] != "GET" || j["resourcePath"] != "/pets" || j["status"] != "200" || j["protocol"] != "HTTP/1.1" || j["responseLength"] == "" {
		t.Errorf("JSON preset: %v", j)
	}
	var x struct {
		ID           string `xml:"id,attr"`
		IP           string `xml:"ip"`
		ResourcePath string `xml:"resourcePath"`
		Status       string `xml:"status"`
	}
	if err := xml.Unmarshal([]byte(lines["xml"]), &x); err != nil || x.ID != ids["xml"] || x.IP != "127.0.0.1" || x.ResourcePath != "/pets" || x.Status != "200" {
		t.Errorf("XML preset: %+v (%v): %s", x, err, lines["xml"])
	}
	if f := strings.Split(lines["csv"], ","); len(f) != 10 || f[0] != "127.0.0.1" || f[4] != "GET" || f[5] != "/pets" || f[7] != "200" || f[9] != ids["csv"] {
		t.Errorf("CSV preset: %q", lines["csv"])
	}
}

// TestAccessLogErrors logs the gateway response each request of a stage was answered with ($context.error.*):
// none for a MOCK's answer, Envoy's own replies (a path no method has, a backend that cannot be reached) and a
// refusal of Tollgate's key check, each with its type and message as the client's answer says them.
func TestAccessLogErrors(t *testing.T) {
	cfg := newGatewayConfig(t)
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", APIStages: []planAPIStage{{APIID: "keyed", Stage: "errors"}}, Keys: []string{"k1"}}}
	log := filepath.Join(t.TempDir(), "errors.log")
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{{StageName: "errors",
		Variables:         map[string]string{"backend": freeAddrs(t, 1)[0]}, // nothing listens there
		AccessLogSettings: &accessLogSettings{Format: `$context.requestId|$context.status|$context.error.responseType|$context.error.messageString|$context.error.message`, Destination: log}}}}}
	gw := startGateway(t, cfg, map[string]string{"keyed.yaml": "apikeys/keyed.yaml"})
	key := http.Header{"X-Api-Key": {aliceKey}}
	want := map[string]string{} // request id -> the line's rest
	for _, tt := range []struct {
		path   string
		header http.Header
		status int
		logged string
	}{
		{"/errors/ping", nil, 200, "-|-|-"},
		{"/errors/nowhere", nil, 403, `MISSING_AUTHENTICATION_TOKEN|"Missing Authentication Token"|Missing Authentication Token`},
		{"/errors/pets", key, 504, `INTEGRATION_FAILURE|"Internal server error"|Internal server error`},
		{"/errors/pets", nil, 403, `INVALID_API_KEY|"Forbidden"|Forbidden`},
	} {
		r := send(t, call{method: "GET", url: gw.url(tt.path), host: "keyed." + domain, header: tt.header})
		if r.status != tt.status {
			t.Fatalf("GET %s: %d %s, want %d", tt.path, r.status, r.body, tt.status)
		}
		want[r.header.Get("x-amzn-RequestId")] = fmt.Sprintf("%d|%s", tt.status, tt.logged)
	}
	got := map[string]string{}
	for deadline := time.Now().Add(5 * time.Second); len(got) < len(want) && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, _ := os.ReadFile(log)
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if id, rest, ok := strings.Cut(line, "|"); ok {
				got[id] = rest
			}
		}
	}
	for id, line := range want {
		if got[id] != line {
			t.Errorf("request %s logged %q, want %q", id, got[id], line)
		}
	}
}
