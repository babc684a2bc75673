// Package policy parses IAM policy documents and decides requests with them as IAM does within one account.
//
// API Gateway decides with IAM policy documents in two places, and so does Tollgate:
//
//   - the policyDocument a Lambda authorizer returns, which must allow execute-api:Invoke on the method ARN
//     arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path} for the request to go on (Parse);
//   - a REST API's resource policy (x-amazon-apigateway-policy), which also names principals and conditions such
//     as aws:SourceIp, and whose resources may use API Gateway's abbreviation execute-api:/{stage}/{VERB}/{path}
//     (ParseResourcePolicy).
//
// Evaluate answers for one document, Combine merges the answers of several. A wrong answer here opens an API to
// callers it shuts out, or shuts out callers it serves, so the package follows "enforce it or refuse it": every
// element, operator and condition key it accepts is evaluated as IAM documents it, and whatever it cannot
// evaluate (numeric and date operators, set operators, VPC endpoint keys, policy variables) makes Parse fail
// with the place and the reason, for the gateway to refuse the policy at load rather than decide wrongly.
//
// Parsing is the slow part and happens once, when a policy is loaded or an authorizer answers; Evaluate runs on
// every request and allocates nothing.
package policy
