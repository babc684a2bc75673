// Command wschat is a WebSocket API's Lambda proxy function. On CONNECT it refuses a client asking ?deny=1 with
// 403 and chooses the chat.v1 subprotocol when offered; on a MESSAGE it answers with what the event told it (the
// authorizer's values and the IAM caller among them), and
// for {"action": "callback", "endpoint": URL} it sends "from the function" to the connection through the
// @connections API at URL (the stage's URL), signed with SigV4 as boto3's apigatewaymanagementapi signs, with the
// credentials of its environment.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

type message struct {
	Action   string `json:"action"`
	Endpoint string `json:"endpoint"`
}

func handle(ctx context.Context, ev events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := ev.RequestContext
	switch rc.EventType {
	case "CONNECT":
		if ev.QueryStringParameters["deny"] == "1" {
			return events.APIGatewayProxyResponse{StatusCode: http.StatusForbidden}, nil
		}
		resp := events.APIGatewayProxyResponse{StatusCode: http.StatusOK}
		for _, p := range strings.Split(ev.Headers["Sec-WebSocket-Protocol"], ",") {
			if strings.TrimSpace(p) == "chat.v1" {
				resp.Headers = map[string]string{"Sec-WebSocket-Protocol": "chat.v1"}
			}
		}
		return resp, nil
	case "MESSAGE":
		var m message
		_ = json.Unmarshal([]byte(ev.Body), &m)
		if m.Action == "callback" {
			if err := postToConnection(ctx, m.Endpoint, rc.ConnectionID, []byte("from the function")); err != nil {
				return events.APIGatewayProxyResponse{}, err
			}
			return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
		}
		told, _ := json.Marshal(map[string]any{
			"routeKey": rc.RouteKey, "eventType": rc.EventType, "connectionId": rc.ConnectionID, "messageId": rc.MessageID,
			"stage": rc.Stage, "apiId": rc.APIID, "domainName": rc.DomainName, "sourceIp": rc.Identity.SourceIP,
			"body": ev.Body, "isBase64Encoded": ev.IsBase64Encoded, "connectedAt": rc.ConnectedAt, "requestTimeEpoch": rc.RequestTimeEpoch,
			"authorizer": rc.Authorizer, "userArn": rc.Identity.UserArn, "accessKey": rc.Identity.AccessKey, "apiKeyId": rc.Identity.APIKeyID,
		})
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Body: string(told)}, nil
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// postToConnection is PostToConnection: POST {endpoint}/@connections/{id} with the data as the body.
func postToConnection(ctx context.Context, endpoint, id string, data []byte) error {
	target := strings.TrimSuffix(endpoint, "/") + "/%40connections/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(data))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	creds := aws.Credentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY")}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", os.Getenv("AWS_REGION"), time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PostToConnection answered %s", resp.Status)
	}
	return nil
}

func main() { lambda.Start(handle) }
