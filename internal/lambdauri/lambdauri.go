// Package lambdauri reads the Lambda function out of an API Gateway integration URI and says where to invoke it:
// arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations.
package lambdauri

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Function is a Lambda function as an integration names it.
type Function struct {
	Region    string // the function's region
	Account   string // the function's account id
	Name      string // the function name
	Qualifier string // version or alias; "" for $LATEST
}

const invokePath = "/2015-03-31/functions/"

var (
	integrationURI = regexp.MustCompile(`^arn:aws:apigateway:([a-z0-9-]+):lambda:path/2015-03-31/functions/(.+)/invocations$`)
	// arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]; names are 1-64 of [A-Za-z0-9-_],
	// qualifiers a version number or an alias.
	functionARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)
)

// Parse reads an integration URI whose stage variables are already expanded.
func Parse(uri string) (Function, error) {
	m := integrationURI.FindStringSubmatch(uri)
	if m == nil {
		return Function{}, fmt.Errorf("uri %q is not a Lambda integration URI: want arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations", uri)
	}
	f := functionARN.FindStringSubmatch(m[2])
	if f == nil {
		return Function{}, fmt.Errorf("uri %q: %q is not a Lambda function ARN: want arn:aws:lambda:{region}:{account}:function:{name}[:{alias or version}]", uri, m[2])
	}
	return Function{Region: f[1], Account: f[2], Name: f[3], Qualifier: f[4]}, nil
}

// InvocationURI is the integration URI of a function's ARN (arn:aws:lambda:{region}:{account}:function:{name}),
// which apigatewayv2 takes in its place; any other URI is returned as written.
func InvocationURI(uri string) string {
	parts := strings.SplitN(uri, ":", 5)
	if len(parts) < 5 || parts[0] != "arn" || parts[2] != "lambda" {
		return uri
	}
	return "arn:" + parts[1] + ":apigateway:" + parts[3] + ":lambda:path/2015-03-31/functions/" + uri + "/invocations"
}

// InvokeURL is where the function is invoked: the URL the functions map gives for its name, else Lambda's
// Invoke API under endpoint, with the qualifier as ?Qualifier= as the Invoke API takes it.
func (f Function) InvokeURL(endpoint string, functions map[string]string) string {
	if u, ok := functions[f.Name]; ok {
		return u
	}
	u := strings.TrimSuffix(endpoint, "/") + invokePath + url.PathEscape(f.Name) + "/invocations"
	if f.Qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(f.Qualifier)
	}
	return u
}
