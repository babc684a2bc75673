package lambdauri

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		uri     string
		want    Function
		wantErr string
	}{
		{
			uri:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations",
			want: Function{Region: "us-east-1", Account: "123456789012", Name: "echo"},
		},
		{
			uri:  "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:my-fn_2:live/invocations",
			want: Function{Region: "eu-west-1", Account: "123456789012", Name: "my-fn_2", Qualifier: "live"},
		},
		{
			uri:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f:7/invocations",
			want: Function{Region: "us-east-1", Account: "123456789012", Name: "f", Qualifier: "7"},
		},
		{uri: "http://example.com/", wantErr: "is not a Lambda integration URI"},
		{uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/echo/invocations", wantErr: "is not a Lambda function ARN"},
		{uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123:function:f/invocations", wantErr: "is not a Lambda function ARN"},
		{uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:bad name/invocations", wantErr: "is not a Lambda function ARN"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.uri)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want %q", tt.uri, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.uri, got, err, tt.want)
		}
	}
}

func TestInvokeURL(t *testing.T) {
	functions := map[string]string{"echo": "http://127.0.0.1:9011/2015-03-31/functions/function/invocations"}
	tests := []struct {
		f    Function
		want string
	}{
		{Function{Name: "echo", Qualifier: "live"}, "http://127.0.0.1:9011/2015-03-31/functions/function/invocations"},
		{Function{Name: "other"}, "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/other/invocations"},
		{Function{Name: "other", Qualifier: "$LATEST"}, "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/other/invocations?Qualifier=%24LATEST"},
	}
	for _, tt := range tests {
		if got := tt.f.InvokeURL("https://lambda.us-east-1.amazonaws.com/", functions); got != tt.want {
			t.Errorf("InvokeURL(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestInvocationURI(t *testing.T) {
	for uri, want := range map[string]string{
		"arn:aws:lambda:eu-west-1:123456789012:function:chat":                                                             "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:chat/invocations",
		"arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live":                                                       "arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live/invocations",
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations",
		"http://backend/": "http://backend/",
	} {
		if got := InvocationURI(uri); got != want {
			t.Errorf("InvocationURI(%q) = %q, want %q", uri, got, want)
		}
	}
}
