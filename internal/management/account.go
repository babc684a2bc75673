package management

import (
	"net/http"
	"strings"
)

// The account: its throttle is tollgate.yaml's accountThrottle (none when the file sets none: Tollgate then limits
// no API at the account's level), and usage plans are always on.

func init() {
	routes = append(routes,
		route{"GET /account", (*Service).getAccount},
		route{"PATCH /account", (*Service).updateAccount},
	)
}

// account is API Gateway's Account.
type account struct {
	ThrottleSettings *throttleSettings `json:"throttleSettings,omitempty"`
	Features         []string          `json:"features"`
	APIKeyVersion    string            `json:"apiKeyVersion"`
}

func (s *Service) account() account {
	return account{ThrottleSettings: s.files.Load().throttle, Features: []string{"UsagePlans"}, APIKeyVersion: "4"}
}

func (s *Service) getAccount(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.account())
}

// updateAccount is UpdateAccount: usage plans are on already; a CloudWatch role has nothing to write to here, and
// the throttle is the file's.
func (s *Service) updateAccount(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	for _, op := range ops {
		switch {
		case op.Op == "add" && op.Path == "/features" && op.Value == "UsagePlans":
		case op.Path == "/cloudwatchRoleArn":
			fail(w, badRequest("cloudwatchRoleArn: Tollgate writes no CloudWatch logs; its metrics are on /metrics and its access logs a stage's"))
			return
		case strings.HasPrefix(op.Path, "/throttle/"):
			fail(w, badRequest("the account throttle is tollgate.yaml's accountThrottle: change it there, the management API cannot"))
			return
		default:
			fail(w, invalidPatch(op))
			return
		}
	}
	writeJSON(w, http.StatusOK, s.account())
}
