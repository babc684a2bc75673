// Package usageplan holds API Gateway's rules for API keys and usage plans that tollgate.yaml's and the management
// API's share.
package usageplan

import (
	"fmt"
	"strings"
)

// Lengths an API key's value may have.
const (
	MinKeyValue = 20
	MaxKeyValue = 128
)

// CheckQuota checks a quota as API Gateway's CreateUsagePlan does: WEEK offsets are days of the week (0 is Sunday),
// MONTH offsets days of the month (0 is the 1st), and a DAY takes none.
func CheckQuota(limit int64, period string, offset int) error {
	switch strings.ToUpper(period) {
	case "DAY":
		if offset != 0 {
			return fmt.Errorf("offset must be 0 for a DAY period")
		}
	case "WEEK":
		if offset < 0 || offset > 6 {
			return fmt.Errorf("offset %d out of range for a WEEK period: 0 (Sunday) to 6 (Saturday)", offset)
		}
	case "MONTH":
		if offset < 0 || offset > 27 {
			return fmt.Errorf("offset %d out of range for a MONTH period: 0 (the 1st) to 27", offset)
		}
	default:
		return fmt.Errorf("unknown period %q: want DAY, WEEK or MONTH", period)
	}
	if limit < 0 {
		return fmt.Errorf("limit %d must not be negative", limit)
	}
	return nil
}

// CheckThrottle checks a throttle's limits.
func CheckThrottle(rateLimit float64, burstLimit int) error {
	if rateLimit < 0 || burstLimit < 0 {
		return fmt.Errorf("throttle limits must not be negative (rateLimit %v, burstLimit %d)", rateLimit, burstLimit)
	}
	return nil
}
